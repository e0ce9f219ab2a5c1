// kernels/simd_gemm.h: the fp32 GEMM micro-kernels written once over a vector type V, instantiated
// inside each SIMD ISA's translation unit (templates only, distinct per V).
// Contract:
//  * sgemm_tile<V, MR, NV, KC, MC>: rows [m0, m1) x panels [p0, p1) of C = act(A * W^T + bias)
//    with W prepacked in panels of NR = NV * V::kWidth columns (kernels/packed_weights.h). Rows
//    go in blocks of MC, K in blocks of KC: the KC x NR slice of a panel stays in L1 while the
//    MR-row strips of the MC x KC block of A stream over it, and the next panel's slice is
//    prefetched meanwhile. A is read in place, as MLAS does (row i of a strip at a + i * lda):
//    packing it into strips cost 2-6% and gained nothing (bench/README.md "Row tiles"). C is the
//    accumulator between K blocks; bias is the initial value, the activation is applied in
//    registers at the last K block. Partial panels are masked: nothing outside the tile is read
//    from C or written.
//  * gemm_nn<V>: C = A * B for plain row-major operands (attention), any m, n, k >= 0.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "kernels/kernels.h"
#include "kernels/simd_math.h"

namespace lightbert::kernels::simd {

// ROWS x NR block of C over kc steps of K. `a` is the A strip in place (row i at a + i * lda); `b`
// the panel's K-block (row stride NR). init: 0 = start from zero, 1 = start from bias, 2 =
// accumulate onto C. `act` is applied before the store (kNone except on the last K block). `pf` (or
// null) is the next panel's K-block: it is prefetched to L2 one line per step while this block
// computes, so weights streamed from memory overlap with the FMAs.
template <typename V, int ROWS, int NV>
void micro_kernel(int64_t kc, const float* a, int64_t lda, const float* b, const float* bias,
                  int init, float* c, int64_t ldc, int nvalid, Activation act, const float* pf) {
  constexpr int W = V::kWidth;
  constexpr int NR = NV * W;
  // Fewer than 8 accumulators cannot hide the FMA latency (4 cycles x 2 pipes): a second set
  // takes the odd K steps and is added at the end.
  constexpr int kSets = ROWS * NV < 8 ? 2 : 1;
  V acc[kSets][ROWS][NV];
  if (init == 2) {
    for (int i = 0; i < ROWS; ++i) {
      for (int j = 0; j < NV; ++j) {
        int rest = nvalid - j * W;
        acc[0][i][j] = rest >= W  ? V::load(c + i * ldc + j * W)
                       : rest > 0 ? V::load_partial(c + i * ldc + j * W, rest)
                                  : V::zero();
      }
    }
  } else {
    for (int j = 0; j < NV; ++j) {
      V init_v = init == 1 ? V::load(bias + j * W) : V::zero();
      for (int i = 0; i < ROWS; ++i) acc[0][i][j] = init_v;
    }
  }
  if (kSets == 2) {
    for (int i = 0; i < ROWS; ++i) {
      for (int j = 0; j < NV; ++j) acc[kSets - 1][i][j] = V::zero();
    }
  }
  auto step = [&](int64_t k, V(&sum)[ROWS][NV]) {
    V bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = V::load(b + k * NR + j * W);
    for (int i = 0; i < ROWS; ++i) {
      V av = V::set1(a[i * lda + k]);
      for (int j = 0; j < NV; ++j) sum[i][j] = V::fma(av, bv[j], sum[i][j]);
    }
  };
  constexpr int kLine = 64 / static_cast<int>(sizeof(float));
  int64_t k = 0;
  if (pf != nullptr) {
    for (; k + kSets <= kc; k += kSets) {
      for (int s = 0; s < kSets; ++s) {
        for (int l = 0; l < NR; l += kLine) __builtin_prefetch(pf + (k + s) * NR + l, 0, 2);
        step(k + s, acc[s]);
      }
    }
  } else {
    for (; k + kSets <= kc; k += kSets) {
      for (int s = 0; s < kSets; ++s) step(k + s, acc[s]);
    }
  }
  for (; k < kc; ++k) step(k, acc[0]);
  if (kSets == 2) {
    for (int i = 0; i < ROWS; ++i) {
      for (int j = 0; j < NV; ++j) acc[0][i][j] = acc[0][i][j] + acc[kSets - 1][i][j];
    }
  }
  for (int i = 0; i < ROWS; ++i) {
    for (int j = 0; j < NV; ++j) {
      const V out = act == Activation::kNone ? acc[0][i][j] : apply(acc[0][i][j], act);
      int rest = nvalid - j * W;
      if (rest >= W) {
        out.store(c + i * ldc + j * W);
      } else if (rest > 0) {
        out.store_partial(c + i * ldc + j * W, rest);
      }
    }
  }
}

template <typename V, int NV>
using MicroKernelFn = void (*)(int64_t, const float*, int64_t, const float*, const float*, int,
                               float*, int64_t, int, Activation, const float*);

// Table of micro_kernel<V, 1..MR, NV> indexed by rows - 1.
template <typename V, int NV, int... Rows>
constexpr auto make_micro_kernels(std::integer_sequence<int, Rows...>) {
  return std::array<MicroKernelFn<V, NV>, sizeof...(Rows)>{&micro_kernel<V, Rows + 1, NV>...};
}

// Loop nest: blocks of MC rows; per K block every panel's KC x NR slice (L1) meets each MR-row
// strip of the MC x KC block of A (which stays in L2), read in place.
template <typename V, int MR, int NV, int KC, int MC = 12 * MR>
void sgemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  constexpr int NR = NV * V::kWidth;
  static constexpr auto kMicro = make_micro_kernels<V, NV>(std::make_integer_sequence<int, MR>());
  const PackedWeights& w = *g.w;
  const int64_t n = w.n;
  const int64_t k = w.k;
  for (int64_t mb = m0; mb < m1; mb += MC) {
    const int64_t rows = m1 - mb < MC ? m1 - mb : MC;
    int64_t k0 = 0;
    do {
      const int64_t kc = k - k0 < KC ? k - k0 : KC;
      const bool last = k0 + kc >= k;
      const int init = k0 > 0 ? 2 : (g.use_bias ? 1 : 0);
      const Activation act = last ? g.act : Activation::kNone;
      const float* ablock = g.a + mb * g.lda + k0;
      for (int64_t p = p0; p < p1; ++p) {
        const float* bp = w.panel(p) + k0 * NR;
        const float* next = p + 1 < p1 ? w.panel(p + 1) + k0 * NR : nullptr;
        const int64_t n0 = p * NR;
        const int nvalid = static_cast<int>(n - n0 < NR ? n - n0 : NR);
        const float* bias = w.bias.data() + n0;
        for (int64_t r = 0; r < rows; r += MR) {
          const int h = static_cast<int>(rows - r < MR ? rows - r : MR);
          kMicro[h - 1](kc, ablock + r * g.lda, g.lda, bp, bias, init, g.c + (mb + r) * g.ldc + n0,
                        g.ldc, nvalid, act, r == 0 ? next : nullptr);
        }
      }
      k0 += kc;
    } while (k0 < k);
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
