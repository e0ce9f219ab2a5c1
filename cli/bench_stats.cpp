// cli/bench_stats.cpp: see bench_stats.h.
#include "bench_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>


namespace lightbert::cli {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Summary summarize(std::vector<double> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.min = v.front();
  s.max = v.back();
  return s;
}

double encoder_flops(const ModelConfig& cfg, const std::vector<int32_t>& lengths) {
  const double h = cfg.hidden_size, inter = cfg.intermediate_size, layers = cfg.num_hidden_layers;
  double total = 0;
  for (int32_t len : lengths) {
    const double n = len;
    const double dense = 2 * n * (4 * h * h + 2 * h * inter);
    const double attn = 2 * 2 * n * n * h;
    total += layers * (dense + attn) + 2 * h * h;
  }
  return total;
}

CpuSample sample_cpu() {
  CpuSample s;
  s.wall_s = now_s();
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double v[8] = {0};
  if (stat >> cpu && cpu == "cpu") {
    for (double& x : v) stat >> x;
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.busy_s = (v[0] + v[1] + v[2] + v[5] + v[6]) / (tick > 0 ? tick : 100);
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  s.self_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
             1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  return s;
}

double other_cpu_fraction(const CpuSample& a, const CpuSample& b, int cores) {
  const double wall = (b.wall_s - a.wall_s) * static_cast<double>(cores);
  if (wall <= 0 || b.busy_s <= 0) return 0;
  return std::max(0.0, (b.busy_s - a.busy_s) - (b.self_s - a.self_s)) / wall;
}

std::string report_text(const BenchReport& r) {
  const double sec = r.ms.median * 1e-3;
  const double gflops = r.flops / sec * 1e-9;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "batch: %lld sequences, %lld tokens, %.3f GFLOP per call\n"
                "time (ms): median %.3f  min %.3f  max %.3f  (%d runs after %d warm-up)\n"
                "throughput: %.1f sequences/s, %.0f tokens/s\n"
                "compute: %.1f GFLOP/s = %.1f%% of peak %.1f GFLOP/s (%s)\n"
                "isa: %s, dtype: %s, threads: %d, fork/join %.1f us, peak RSS %.1f MB, other CPU "
                "%.0f%%\n",
                static_cast<long long>(r.sequences), static_cast<long long>(r.tokens),
                r.flops * 1e-9, r.ms.median, r.ms.min, r.ms.max, r.runs, r.warmup,
                r.sequences / sec, r.tokens / sec, gflops, 100.0 * gflops / r.peak_gflops,
                r.peak_gflops, r.peak_measured ? "measured" : "given", r.isa.c_str(),
                r.dtype.c_str(), r.threads, r.fork_join_us, r.peak_rss_mb,
                100.0 * r.other_cpu_frac);
  std::string text = buf;
  if (r.int8_peak_gops > 0) {
    std::snprintf(buf, sizeof buf,
                  "int8: %.1f GOP/s = %.1f%% of the int8 peak %.1f GOP/s (measured)\n", gflops,
                  100.0 * gflops / r.int8_peak_gops, r.int8_peak_gops);
    text += buf;
  }
  if (r.bf16_peak_gflops > 0) {
    std::snprintf(buf, sizeof buf,
                  "bf16: %.1f GFLOP/s = %.1f%% of the bf16 peak %.1f GFLOP/s (measured)\n", gflops,
                  100.0 * gflops / r.bf16_peak_gflops, r.bf16_peak_gflops);
    text += buf;
  }
  if (r.emulated) text += "note: this kernel variant is emulated (SIMDe / scalar tiles): tests only\n";
  return text;
}

std::string report_json(const BenchReport& r) {
  const double sec = r.ms.median * 1e-3;
  const double gflops = r.flops / sec * 1e-9;
  nlohmann::json j = {
      {"median_ms", r.ms.median},
      {"min_ms", r.ms.min},
      {"max_ms", r.ms.max},
      {"runs", r.runs},
      {"warmup", r.warmup},
      {"sequences", r.sequences},
      {"tokens", r.tokens},
      {"seqs_per_s", r.sequences / sec},
      {"tokens_per_s", r.tokens / sec},
      {"gflop", r.flops * 1e-9},
      {"gflops", gflops},
      {"peak_gflops", r.peak_gflops},
      {"peak_measured", r.peak_measured},
      {"pct_of_peak", 100.0 * gflops / r.peak_gflops},
      {"peak_rss_mb", r.peak_rss_mb},
      {"isa", r.isa},
      {"dtype", r.dtype},
      {"threads", r.threads},
      {"fork_join_us", r.fork_join_us},
      {"other_cpu_frac", r.other_cpu_frac},
  };
  if (r.int8_peak_gops > 0) {
    j["int8_peak_gops"] = r.int8_peak_gops;
    j["pct_of_int8_peak"] = 100.0 * gflops / r.int8_peak_gops;
  }
  if (r.bf16_peak_gflops > 0) {
    j["bf16_peak_gflops"] = r.bf16_peak_gflops;
    j["pct_of_bf16_peak"] = 100.0 * gflops / r.bf16_peak_gflops;
  }
  j["emulated"] = r.emulated;
  return j.dump() + "\n";
}

}  // namespace lightbert::cli
