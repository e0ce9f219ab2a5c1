// kernels/simd_gemm_bf16.h: the bf16-weight GEMM written once over a vector type V, instantiated
// inside each SIMD ISA's translation unit (like simd_gemm.h, whose loop nest it follows).
// Contract: bf16_gemm_tile<V, MR, NV, KC, MC>: rows [m0, m1) x panels [p0, p1) of
// C = act(A * W^T + bias) with W packed as kBF16 (packed_weights.h: pairs of K steps per column,
// panels of NR = NV * V::kWidth columns). A stays fp32: it is packed (stack buffer) into MR-row
// strips of a KC block (KC even), zero-padded to an even length; weights are widened to fp32 in
// registers (V::load_bf16_even / _odd) and accumulated with
// fp32 FMAs, so only the weight bytes are halved. Partial panels are masked as in sgemm_tile.
// V needs, besides simd_gemm.h's operations: static V load_bf16_even(const uint16_t* p) and
// load_bf16_odd(p): of kWidth columns' (even, odd) K pairs at p, the even (odd) K step as fp32.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "kernels/kernels.h"
#include "kernels/simd_math.h"

namespace lightbert::kernels::simd {

// ROWS x NR block over kc (even) K steps; init / act / bias as simd_gemm.h's micro_kernel.
template <typename V, int ROWS, int NV>
void bf16_micro_kernel(int64_t kc, const float* a, const uint16_t* b, const float* bias, int init,
                       float* c, int64_t ldc, int nvalid, Activation act) {
  constexpr int W = V::kWidth;
  constexpr int NR = NV * W;
  V acc[ROWS][NV];
  for (int j = 0; j < NV; ++j) {
    for (int i = 0; i < ROWS; ++i) {
      const int rest = nvalid - j * W;
      if (init == 2) {
        acc[i][j] = rest >= W  ? V::load(c + i * ldc + j * W)
                    : rest > 0 ? V::load_partial(c + i * ldc + j * W, rest)
                               : V::zero();
      } else {
        acc[i][j] = init == 1 ? V::load(bias + j * W) : V::zero();
      }
    }
  }
  for (int64_t k = 0; k < kc; k += 2) {
    // Even K step, then odd: NV converted weight vectors live at a time (ROWS * NV accumulators
    // + NV + 1 registers).
    V bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = V::load_bf16_even(b + k * NR + j * 2 * W);
    for (int i = 0; i < ROWS; ++i) {
      const V av = V::set1(a[k * ROWS + i]);
      for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
    }
    for (int j = 0; j < NV; ++j) bv[j] = V::load_bf16_odd(b + k * NR + j * 2 * W);
    for (int i = 0; i < ROWS; ++i) {
      const V av = V::set1(a[(k + 1) * ROWS + i]);
      for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < ROWS; ++i) {
    for (int j = 0; j < NV; ++j) {
      const V out = act == Activation::kNone ? acc[i][j] : apply(acc[i][j], act);
      const int rest = nvalid - j * W;
      if (rest >= W) {
        out.store(c + i * ldc + j * W);
      } else if (rest > 0) {
        out.store_partial(c + i * ldc + j * W, rest);
      }
    }
  }
}

template <typename V, int NV>
using Bf16MicroFn = void (*)(int64_t, const float*, const uint16_t*, const float*, int, float*,
                             int64_t, int, Activation);

template <typename V, int NV, int... Rows>
constexpr auto make_bf16_micro_kernels(std::integer_sequence<int, Rows...>) {
  return std::array<Bf16MicroFn<V, NV>, sizeof...(Rows)>{&bf16_micro_kernel<V, Rows + 1, NV>...};
}

// Rows [0, rows) x [0, kc) of A into MR-row strips laid out [kc_pad][strip rows], columns kc..
// kc_pad-1 zero.
template <int MR>
void pack_a_padded(const float* a, int64_t lda, int64_t rows, int64_t kc, int64_t kc_pad,
                   float* dst) {
  for (int64_t r0 = 0; r0 < rows; r0 += MR) {
    const int h = static_cast<int>(rows - r0 < MR ? rows - r0 : MR);
    float* out = dst + r0 * kc_pad;
    const float* src = a + r0 * lda;
    for (int64_t k = 0; k < kc; ++k) {
      for (int i = 0; i < h; ++i) out[k * h + i] = src[i * lda + k];
    }
    for (int64_t k = kc; k < kc_pad; ++k) {
      for (int i = 0; i < h; ++i) out[k * h + i] = 0.0f;
    }
  }
}

template <typename V, int MR, int NV, int KC, int MC = 12 * MR>
void bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  static_assert(KC % 2 == 0, "K blocks hold whole bf16 pairs");
  constexpr int NR = NV * V::kWidth;
  static constexpr auto kMicro =
      make_bf16_micro_kernels<V, NV>(std::make_integer_sequence<int, MR>());
  alignas(64) float apack[MC * KC];
  const PackedWeights& w = *g.w;
  const int64_t n = w.n;
  const int64_t k = w.k;
  for (int64_t mb = m0; mb < m1; mb += MC) {
    const int64_t rows = m1 - mb < MC ? m1 - mb : MC;
    int64_t k0 = 0;
    do {
      const int64_t kc = k - k0 < KC ? k - k0 : KC;
      const int64_t kc_pad = (kc + 1) / 2 * 2;
      const bool last = k0 + kc >= k;
      const int init = k0 > 0 ? 2 : (g.use_bias ? 1 : 0);
      const Activation act = last ? g.act : Activation::kNone;
      pack_a_padded<MR>(g.a + mb * g.lda + k0, g.lda, rows, kc, kc_pad, apack);
      for (int64_t p = p0; p < p1; ++p) {
        const uint16_t* bp = w.bf16_panel(p) + k0 * NR;
        const int64_t n0 = p * NR;
        const int nvalid = static_cast<int>(n - n0 < NR ? n - n0 : NR);
        const float* bias = w.bias.data() + n0;
        for (int64_t r = 0; r < rows; r += MR) {
          const int h = static_cast<int>(rows - r < MR ? rows - r : MR);
          kMicro[h - 1](kc_pad, apack + r * kc_pad, bp, bias, init, g.c + (mb + r) * g.ldc + n0,
                        g.ldc, nvalid, act);
        }
      }
      k0 += kc;
    } while (k0 < k);
  }
}

}  // namespace lightbert::kernels::simd
