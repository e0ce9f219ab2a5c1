// lightbert/hardware.h: what the engine runs on, and the probes a benchmark reports against.
// Contract: kernel_info() names the kernel table dispatch picked for this CPU (or
// LIGHTBERT_KERNELS forced): its ISA name, whether it is an emulation (SIMDe / scalar tiles,
// for tests only: its peaks mean nothing), the cores available to this process (affinity) and the
// packed weight layout per dtype. measure_peak_gflops() runs the table's fp32 FMA probe on
// `threads` threads at once (~0.2 s, best of 3; 0 when the table has no probe);
// measure_peak_int8_gops() / measure_peak_bf16_gflops() the same with the int8 / bf16 probes,
// nullopt when the table has none or is emulated. measure_fork_join_us() is the median time of
// one fork/join round of the thread pool over `threads` workers, each item waiting for all to
// start (0 for fewer than 2 threads). threads: 1..kMaxThreads, else kInvalidArgument.
// check_weight_dtype(name) throws kInvalidArgument unless name is fp32, bf16 or int8.
#pragma once

#include <optional>
#include <string>

namespace lightbert {

struct KernelInfo {
  std::string isa;  // "avx2", "avx512-vnni", "amx", "generic", ... (with "-emu" when emulated)
  bool emulated = false;
  int available_cores = 1;
  std::string layout_fp32, layout_bf16, layout_int8;  // packed weight layouts
};

KernelInfo kernel_info();
double measure_peak_gflops(int threads);
std::optional<double> measure_peak_int8_gops(int threads);
std::optional<double> measure_peak_bf16_gflops(int threads);
double measure_fork_join_us(int threads);
void check_weight_dtype(const std::string& name);

}  // namespace lightbert
