// kernels/avx512/vec_avx512.h: the 16-lane fp32 vector type the shared SIMD templates
// (kernels/simd_math.h, kernels/simd_gemm.h) are instantiated with for the AVX-512 table.
// Contract: include only from src/kernels/avx512/*.cpp and amx/*.cpp (compiled natively with
// AVX-512 flags, or emulated through SIMDe: isa_avx512.h); the type lives in that build's
// namespace (LIGHTBERT_ISA_NS). Partial loads read exactly n < 16 floats and fill the rest with
// zeros; partial stores write exactly n.
#pragma once

#include <cstdint>

#include "kernels/avx512/isa_avx512.h"

namespace lightbert::kernels::LIGHTBERT_ISA_NS {

struct Vec {
  static constexpr int kWidth = 16;
  __m512 v;

  static Vec zero() { return {_mm512_setzero_ps()}; }
  static Vec set1(float x) { return {_mm512_set1_ps(x)}; }
  static Vec load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static Vec load_partial(const float* p, int n) {
    return {_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1u), p)};
  }
  // Lanes >= n set to zero.
  static Vec keep_first(Vec a, int n) {
    return {_mm512_maskz_mov_ps(static_cast<__mmask16>((1u << n) - 1u), a.v)};
  }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  void store_partial(float* p, int n) const {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1u), v);
  }

  friend Vec operator+(Vec a, Vec b) { return {_mm512_add_ps(a.v, b.v)}; }
  friend Vec operator-(Vec a, Vec b) { return {_mm512_sub_ps(a.v, b.v)}; }
  friend Vec operator*(Vec a, Vec b) { return {_mm512_mul_ps(a.v, b.v)}; }
  friend Vec operator/(Vec a, Vec b) { return {_mm512_div_ps(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }  // a*b+c
  static Vec max(Vec a, Vec b) { return {_mm512_max_ps(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm512_min_ps(a.v, b.v)}; }
  static Vec abs(Vec a) { return {_mm512_abs_ps(a.v)}; }
  // The sign bit of `sign` applied to |mag|.
  static Vec copysign(Vec mag, Vec sign) {
    const __m512i mask = _mm512_set1_epi32(0x7fffffff);
    return {_mm512_castsi512_ps(_mm512_ternarylogic_epi32(mask, _mm512_castps_si512(mag.v),
                                                          _mm512_castps_si512(sign.v), 0xca))};
  }
  static Vec round_nearest(Vec a) {
    return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
  }
  // 2^n for integral n in [-126, 127].
  static Vec pow2(Vec n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
    return {_mm512_castsi512_ps(_mm512_slli_epi32(e, 23))};
  }
  static float reduce_add(Vec a) { return _mm512_reduce_add_ps(a.v); }
  static float reduce_max(Vec a) { return _mm512_reduce_max_ps(a.v); }
};

}  // namespace lightbert::kernels::LIGHTBERT_ISA_NS
