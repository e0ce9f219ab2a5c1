// bench/quant_gemm_probe.cpp: single-thread throughput of one Linear (ops::linear) in fp32, int8
// and bf16 on the active kernel table, and the AVX2 multiply-chain probes (fp32 FMA,
// vpmaddubsw + vpmaddwd, vpmaddwd alone) behind the AVX2 int8 design (bench/README.md).
// Contract: not built by CMake; build against a Release build folder:
//   g++ -O2 -std=c++17 -Isrc -Iinclude bench/quant_gemm_probe.cpp -o build-quant/quant_gemm_probe \
//       build-quant/liblightbert.a -lpthread -fopenmp
//   build-quant/quant_gemm_probe [M N K]   (default 128 3072 768)
// Prints best-of-10 ms and GOP/s (2 ops per multiply-add) per dtype, then the probes (best of 5).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/avx2/quant_avx2.h"
#include "kernels/kernels.h"
#include "ops/linear.h"
#include "runtime/thread_pool.h"

using namespace lightbert;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double probe_rate(double (*probe)(int64_t)) {
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double ops = probe(20'000'000);
    best = std::max(best, ops / seconds_since(t0));
  }
  return best * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t m = argc > 3 ? std::atoll(argv[1]) : 128;
  const int64_t n = argc > 3 ? std::atoll(argv[2]) : 3072;
  const int64_t k = argc > 3 ? std::atoll(argv[3]) : 768;
  runtime::ThreadPool pool(1);
  const ops::OpContext ctx{&kernels::active_kernels(), &pool};
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(m * k)), w(static_cast<size_t>(n * k)),
      y(static_cast<size_t>(m * n)), b(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  for (float& v : w) v = 0.02f * dist(rng);
  std::printf("table %s, M %lld N %lld K %lld, 1 thread\n", ctx.kernels->name,
              static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k));
  for (auto dt :
       {kernels::WeightDtype::kF32, kernels::WeightDtype::kI8, kernels::WeightDtype::kBF16}) {
    const kernels::PackedWeights pw = ops::pack_linear(ctx, w.data(), n, k, b.data(), dt);
    double best = 1e30;
    for (int r = 0; r < 10; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      ops::linear(ctx, {x.data(), m, k, k}, pw, {y.data(), m, n, n});
      best = std::min(best, seconds_since(t0));
    }
    std::printf("%-5s %8.3f ms %7.1f GOP/s\n", kernels::weight_dtype_name(dt), best * 1e3,
                2.0 * m * n * k / best * 1e-9);
  }
  if (kernels::cpu_supports("avx2")) {
    std::printf(
        "probes: fp32 FMA %.1f GFLOP/s, vpmaddubsw+vpmaddwd %.1f GOP/s, vpmaddwd %.1f GOP/s\n",
        probe_rate(kernels::kernel_probes(kernels::kernels_by_name("avx2")).fma), probe_rate(kernels::avx2::int8_probe),
        probe_rate(kernels::avx2::int8_probe_maddwd));
  }
  return 0;
}
