// kernels/simd_peak.h: an FMA throughput probe written once over a vector type V (the same
// idea as the oracle's peak_fma.c), instantiated inside each SIMD ISA's translation unit.
// Contract: fma_probe<V>(iterations) runs iterations x 10 independent FMAs on V (10 chains hide
// the FMA latency on two pipes) and returns the FLOPs performed; values stay finite.
#pragma once

#include <cstdint>

namespace lightbert::kernels::simd {

template <typename V>
double fma_probe(int64_t iterations) {
  constexpr int kChains = 10;
  V acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = V::set1(static_cast<float>(c));
  const V mul = V::set1(0.999999f);
  const V add = V::set1(1e-6f);
  for (int64_t i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = V::fma(acc[c], mul, add);
  }
  V sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = sum + acc[c];
  volatile float sink = V::reduce_add(sum);
  (void)sink;
  return 2.0 * kChains * V::kWidth * static_cast<double>(iterations);
}

}  // namespace lightbert::kernels::simd
