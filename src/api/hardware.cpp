// api/hardware.cpp: lightbert/hardware.h over the kernel table (kernels/kernels.h) and the
// thread pool (runtime/thread_pool.h).
#include "lightbert/hardware.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "kernels/kernels.h"
#include "lightbert/error.h"
#include "lightbert/types.h"
#include "runtime/thread_pool.h"

namespace lightbert {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void check_threads(int threads) {
  if (threads < 1 || threads > kMaxThreads) {
    throw Error(ErrorCode::kInvalidArgument, "threads must be in [1, " +
                                                 std::to_string(kMaxThreads) + "], got " +
                                                 std::to_string(threads));
  }
}

// Operations per second (x 1e-9) of `probe` run on every thread at once: best of 3 runs.
double measure_peak(double (*probe)(int64_t iterations), int threads) {
  check_threads(threads);
  runtime::ThreadPool pool(threads);
  std::vector<double> ops(static_cast<size_t>(threads));
  auto run = [&](int64_t iterations) {
    std::fill(ops.begin(), ops.end(), 0.0);
    const double t0 = now_s();
    pool.parallel_for(threads,
                      [&](int64_t, int w) { ops[static_cast<size_t>(w)] += probe(iterations); });
    double sum = 0;
    for (double f : ops) sum += f;
    return sum / (now_s() - t0);
  };
  run(1'000'000);  // wakes the workers and the clocks
  double best = 0;
  for (int i = 0; i < 3; ++i) best = std::max(best, run(20'000'000));
  return best * 1e-9;
}

}  // namespace

KernelInfo kernel_info() {
  const kernels::KernelTable& t = kernels::active_kernels();
  KernelInfo k;
  k.isa = t.name;
  k.emulated = t.emulated;
  k.available_cores = runtime::available_cores();
  k.layout_fp32 = kernels::packed_layout(t, kernels::WeightDtype::kF32);
  k.layout_bf16 = kernels::packed_layout(t, kernels::WeightDtype::kBF16);
  k.layout_int8 = kernels::packed_layout(t, kernels::WeightDtype::kI8);
  return k;
}

double measure_peak_gflops(int threads) {
  const kernels::KernelProbes& p = kernels::kernel_probes(kernels::active_kernels());
  return p.fma != nullptr ? measure_peak(p.fma, threads) : 0.0;
}

std::optional<double> measure_peak_int8_gops(int threads) {
  const kernels::KernelTable& t = kernels::active_kernels();
  const kernels::KernelProbes& p = kernels::kernel_probes(t);
  if (p.int8 == nullptr || t.emulated) return std::nullopt;  // an emulation's peak means nothing
  return measure_peak(p.int8, threads);
}

std::optional<double> measure_peak_bf16_gflops(int threads) {
  const kernels::KernelTable& t = kernels::active_kernels();
  const kernels::KernelProbes& p = kernels::kernel_probes(t);
  if (p.bf16 == nullptr || t.emulated) return std::nullopt;
  return measure_peak(p.bf16, threads);
}

double measure_fork_join_us(int threads) {
  check_threads(threads);
  if (threads < 2) return 0.0;
  runtime::ThreadPool pool(threads);
  std::vector<double> us;
  // Every item waits until all `threads` items have started, so each round really wakes and
  // joins every worker (an item never waits more than 2 ms, should a worker be descheduled).
  std::atomic<int> arrived{0};
  for (int i = 0; i < 300; ++i) {
    arrived.store(0);
    const double t0 = now_s();
    pool.parallel_for(threads, [&](int64_t, int) {
      arrived.fetch_add(1);
      const double give_up = now_s() + 0.002;
      while (arrived.load() < threads && now_s() < give_up) {
      }
    });
    if (i >= 30) us.push_back((now_s() - t0) * 1e6);
  }
  std::sort(us.begin(), us.end());
  const size_t n = us.size();
  return n % 2 ? us[n / 2] : 0.5 * (us[n / 2 - 1] + us[n / 2]);
}

void check_weight_dtype(const std::string& name) {
  (void)kernels::parse_weight_dtype(name.c_str());
}

}  // namespace lightbert
