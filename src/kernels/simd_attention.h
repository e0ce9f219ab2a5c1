// kernels/simd_attention.h: the plain (unpacked) matrix product used inside attention, written
// once over a vector type V and instantiated inside each SIMD ISA's translation unit.
// Contract: attention_gemm_nn<V>(m, n, k, A, lda, B, ldb, C, ldc) sets C[m, n] = A[m, k] B[k, n]
// for row-major operands with leading dimensions (B may be a strided view, e.g. V inside the
// fused QKV rows), any m, n, k >= 0 (k = 0 writes zeros). Blocks of up to 6 rows x 2 vectors:
// 12 accumulators + 2 B vectors + 1 broadcast fit the 16 AVX2 registers and give enough
// independent FMAs to hide the FMA latency on two pipes. Tails use partial loads / stores only.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

namespace lightbert::kernels::simd {

template <typename V, int MR>
void attention_gemm_rows(int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                         int64_t ldb, float* c, int64_t ldc) {
  constexpr int W = V::kWidth;
  for (int64_t j0 = 0; j0 < n; j0 += 2 * W) {
    const int64_t left = n - j0;
    const int w0 = left >= W ? W : static_cast<int>(left);
    const int w1 = left >= 2 * W ? W : (left > W ? static_cast<int>(left - W) : 0);
    V acc[MR][2];
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = V::zero();
    if (w1 == W) {
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* brow = b + kk * ldb + j0;
        const V b0 = V::load(brow);
        const V b1 = V::load(brow + W);
        for (int i = 0; i < MR; ++i) {
          const V av = V::set1(a[i * lda + kk]);
          acc[i][0] = V::fma(av, b0, acc[i][0]);
          acc[i][1] = V::fma(av, b1, acc[i][1]);
        }
      }
    } else {
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* brow = b + kk * ldb + j0;
        const V b0 = w0 == W ? V::load(brow) : V::load_partial(brow, w0);
        const V b1 = w1 > 0 ? V::load_partial(brow + W, w1) : V::zero();
        for (int i = 0; i < MR; ++i) {
          const V av = V::set1(a[i * lda + kk]);
          acc[i][0] = V::fma(av, b0, acc[i][0]);
          acc[i][1] = V::fma(av, b1, acc[i][1]);
        }
      }
    }
    for (int i = 0; i < MR; ++i) {
      float* crow = c + i * ldc + j0;
      if (w0 == W) {
        acc[i][0].store(crow);
      } else {
        acc[i][0].store_partial(crow, w0);
      }
      if (w1 == W) {
        acc[i][1].store(crow + W);
      } else if (w1 > 0) {
        acc[i][1].store_partial(crow + W, w1);
      }
    }
  }
}

template <typename V>
using AttentionGemmRowsFn = void (*)(int64_t, int64_t, const float*, int64_t, const float*,
                                     int64_t, float*, int64_t);

template <typename V, int... Rows>
constexpr auto make_attention_gemm_rows(std::integer_sequence<int, Rows...>) {
  return std::array<AttentionGemmRowsFn<V>, sizeof...(Rows)>{
      &attention_gemm_rows<V, Rows + 1>...};
}

template <typename V>
void attention_gemm_nn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                       const float* b, int64_t ldb, float* c, int64_t ldc) {
  constexpr int kRows = 6;
  static constexpr auto kFns =
      make_attention_gemm_rows<V>(std::make_integer_sequence<int, kRows>());
  for (int64_t i = 0; i < m; i += kRows) {
    const int rows = static_cast<int>(m - i < kRows ? m - i : kRows);
    kFns[rows - 1](n, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
  }
}

}  // namespace lightbert::kernels::simd
