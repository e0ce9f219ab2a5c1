// cli/bench_stats.h: the measurements and the report of `lightbert bench` (cmd_bench.cpp).
// Contract: summarize() gives median (mean of the middle two for an even count) / min / max;
// encoder_flops() is bertlib.encoder_flops summed per sequence over the real lengths (2 FLOPs
// per multiply-add: the dense layers, Q K^T, P V and the pooler; element-wise work ignored);
// the peaks and the pool's fork/join cost come from lightbert/hardware.h; other_cpu_fraction() is the CPU time of other processes between two samples (from
// /proc/stat minus this process's rusage) as a share of all CPUs (0 when unreadable).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lightbert/config.h"

namespace lightbert::cli {

struct Summary {
  double median = 0, min = 0, max = 0;
};
Summary summarize(std::vector<double> values);

double encoder_flops(const ModelConfig& cfg, const std::vector<int32_t>& lengths);

struct CpuSample {
  double busy_s = 0;  // all processes, /proc/stat user+nice+system+irq+softirq
  double self_s = 0;  // this process, getrusage
  double wall_s = 0;
};
CpuSample sample_cpu();
double other_cpu_fraction(const CpuSample& a, const CpuSample& b, int cores);

struct BenchReport {
  Summary ms;
  int64_t sequences = 0, tokens = 0;
  double flops = 0, peak_gflops = 0;
  bool peak_measured = true;
  std::string isa;
  std::string dtype = "fp32";
  double int8_peak_gops = 0;    // > 0: report % of this int8 peak too
  double bf16_peak_gflops = 0;  // > 0: report % of this bf16 peak too
  bool emulated = false;        // the kernel variant is an emulation
  int threads = 1, runs = 0, warmup = 0;
  double fork_join_us = 0;  // one fork/join round over every thread
  double other_cpu_frac = 0, peak_rss_mb = 0;
};
std::string report_text(const BenchReport& r);
std::string report_json(const BenchReport& r);

}  // namespace lightbert::cli
