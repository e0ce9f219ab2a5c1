// kernels/avx512/quant_avx512.cpp: see quant_avx512.h. Compiled with this folder's AVX-512 flags
// (incl. -mavx512vnni -mavx512bf16); only reached through table entries dispatch installs when
// the CPU has those instructions. The loop logic is simd_quant_dot.h's (tested on an emulation in
// quant_templates_test); this file supplies the intrinsics.
#include "kernels/avx512/quant_avx512.h"

#include <immintrin.h>

#include <cstring>

#include "kernels/avx512/vec_avx512.h"
#include "kernels/simd_quant_dot.h"

namespace lightbert::kernels::avx512 {

namespace {

struct VnniDot {
  using I = __m512i;
  static I zero() { return _mm512_setzero_si512(); }
  static I load(const int8_t* p) { return _mm512_loadu_si512(p); }
  static I bcast4(const uint8_t* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof(v));
    return _mm512_set1_epi32(v);
  }
  static I dpbusd(I acc, I a, I b) { return _mm512_dpbusd_epi32(acc, a, b); }
  static Vec dequant(I acc, int32_t zero, const int32_t* sums) {
    const I fixed = _mm512_sub_epi32(
        acc, _mm512_mullo_epi32(_mm512_set1_epi32(zero), _mm512_loadu_si512(sums)));
    return {_mm512_cvtepi32_ps(fixed)};
  }
};

struct Bf16Dot {
  static Vec dpbf16(Vec acc, uint32_t a, const uint16_t* b) {
    const __m512i av = _mm512_set1_epi32(static_cast<int>(a));
    const __m512i bv = _mm512_loadu_si512(b);
    return {_mm512_dpbf16_ps(acc.v, reinterpret_cast<const __m512bh&>(av),
                             reinterpret_cast<const __m512bh&>(bv))};
  }
};

}  // namespace

void vnni_i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  simd::dot_i8_gemm_tile<VnniDot, Vec, kVnniMr>(g, m0, m1, p0, p1);
}

void dpbf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  simd::dot_bf16_gemm_tile<Bf16Dot, Vec, 8, 256>(g, m0, m1, p0, p1);
}

double vnni_int8_probe(int64_t iterations) {
  constexpr int kChains = 12;
  __m512i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(c + 1);
  const __m512i y = _mm512_set1_epi8(3);
  for (int64_t i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], acc[c], y);
  }
  __m512i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_epi32(sum, acc[c]);
  volatile int sink = _mm512_reduce_add_epi32(sum);
  (void)sink;
  return 2.0 * 64.0 * kChains * static_cast<double>(iterations);
}

}  // namespace lightbert::kernels::avx512
