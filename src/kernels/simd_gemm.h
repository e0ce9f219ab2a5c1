// kernels/simd_gemm.h: the fp32 GEMM micro-kernels written once over a vector type V, instantiated
// inside each SIMD ISA's translation unit (templates only, distinct per V).
// Contract:
//  * sgemm_tile<V, MR, NV, KC>: rows [m0, m1) x panels [p0, p1) of C = act(A * W^T + bias) with
//    W prepacked in panels of NR = NV * V::kWidth columns (kernels/packed_weights.h). K is walked
//    in blocks of KC (the KC x NR slice of a panel stays in L1 while MR-row blocks of A stream
//    over it); C is the accumulator between K blocks. Partial panels are masked: nothing outside
//    the tile is read from C or written.
//  * gemm_nn<V>: C = A * B for plain row-major operands (attention), any m, n, k >= 0.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "kernels/kernels.h"
#include "kernels/simd_math.h"

namespace lightbert::kernels::simd {

// One MR x NR block of C over kc steps of K. `b` points at the panel's K-block (row stride NR).
// init: 0 = start from zero, 1 = start from bias, 2 = accumulate onto C.
template <typename V, int MR, int NV>
void micro_kernel(int64_t kc, const float* a, int64_t lda, const float* b, const float* bias,
                  int init, float* c, int64_t ldc, int nvalid) {
  constexpr int W = V::kWidth;
  constexpr int NR = NV * W;
  V acc[MR][NV];
  if (init == 2) {
    for (int i = 0; i < MR; ++i) {
      for (int j = 0; j < NV; ++j) {
        int rest = nvalid - j * W;
        acc[i][j] = rest >= W  ? V::load(c + i * ldc + j * W)
                    : rest > 0 ? V::load_partial(c + i * ldc + j * W, rest)
                               : V::zero();
      }
    }
  } else {
    for (int j = 0; j < NV; ++j) {
      V init_v = init == 1 ? V::load(bias + j * W) : V::zero();
      for (int i = 0; i < MR; ++i) acc[i][j] = init_v;
    }
  }
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = V::load(b + k * NR + j * W);
    for (int i = 0; i < MR; ++i) {
      V av = V::set1(a[i * lda + k]);
      for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    for (int j = 0; j < NV; ++j) {
      int rest = nvalid - j * W;
      if (rest >= W) {
        acc[i][j].store(c + i * ldc + j * W);
      } else if (rest > 0) {
        acc[i][j].store_partial(c + i * ldc + j * W, rest);
      }
    }
  }
}

template <typename V, int NV>
using MicroKernelFn = void (*)(int64_t, const float*, int64_t, const float*, const float*, int,
                               float*, int64_t, int);

// Table of micro_kernel<V, 1..MR, NV> indexed by rows - 1.
template <typename V, int NV, int... Rows>
constexpr auto make_micro_kernels(std::integer_sequence<int, Rows...>) {
  return std::array<MicroKernelFn<V, NV>, sizeof...(Rows)>{&micro_kernel<V, Rows + 1, NV>...};
}

template <typename V, int MR, int NV, int KC>
void sgemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  constexpr int NR = NV * V::kWidth;
  static constexpr auto kMicro = make_micro_kernels<V, NV>(std::make_integer_sequence<int, MR>());
  const PackedWeights& w = *g.w;
  const int64_t n = w.n;
  const int64_t k = w.k;
  int64_t k0 = 0;
  do {
    const int64_t kc = k - k0 < KC ? k - k0 : KC;
    const int init = k0 > 0 ? 2 : (g.use_bias ? 1 : 0);
    for (int64_t p = p0; p < p1; ++p) {
      const float* bp = w.panel(p) + k0 * NR;
      const int64_t n0 = p * NR;
      const int nvalid = static_cast<int>(n - n0 < NR ? n - n0 : NR);
      const float* bias = w.bias.data() + n0;
      for (int64_t m = m0; m < m1; m += MR) {
        const int rows = static_cast<int>(m1 - m < MR ? m1 - m : MR);
        kMicro[rows - 1](kc, g.a + m * g.lda + k0, g.lda, bp, bias, init, g.c + m * g.ldc + n0,
                         g.ldc, nvalid);
      }
    }
    k0 += kc;
  } while (k0 < k);
  if (g.act != Act::kNone) {
    const int64_t c0 = p0 * NR;
    const int64_t c1 = p1 * NR < n ? p1 * NR : n;
    for (int64_t m = m0; m < m1; ++m) activation<V>(g.c + m * g.ldc + c0, c1 - c0, g.act);
  }
}

// MR rows of C = A * B, all n columns, in chunks of 2 vectors.
template <typename V, int MR>
void gemm_nn_rows(int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                  float* c, int64_t ldc) {
  constexpr int W = V::kWidth;
  for (int64_t j0 = 0; j0 < n; j0 += 2 * W) {
    const int64_t left = n - j0;
    const int w0 = left >= W ? W : static_cast<int>(left);
    const int w1 = left >= 2 * W ? W : (left > W ? static_cast<int>(left - W) : 0);
    V acc[MR][2];
    for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = V::zero();
    for (int64_t kk = 0; kk < k; ++kk) {
      const float* brow = b + kk * ldb + j0;
      V b0 = w0 == W ? V::load(brow) : V::load_partial(brow, w0);
      V b1 = w1 == W ? V::load(brow + W) : (w1 > 0 ? V::load_partial(brow + W, w1) : V::zero());
      for (int i = 0; i < MR; ++i) {
        V av = V::set1(a[i * lda + kk]);
        acc[i][0] = V::fma(av, b0, acc[i][0]);
        acc[i][1] = V::fma(av, b1, acc[i][1]);
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
void gemm_nn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
             int64_t ldb, float* c, int64_t ldc) {
  int64_t i = 0;
  for (; i + 4 <= m; i += 4) gemm_nn_rows<V, 4>(n, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
  switch (m - i) {
    case 3:
      gemm_nn_rows<V, 3>(n, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
      break;
    case 2:
      gemm_nn_rows<V, 2>(n, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
      break;
    case 1:
      gemm_nn_rows<V, 1>(n, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
      break;
    default:
      break;
  }
}

}  // namespace lightbert::kernels::simd
