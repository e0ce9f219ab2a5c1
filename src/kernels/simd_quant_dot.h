// kernels/simd_quant_dot.h: the int8 (vpdpbusd-style) and bf16 (vdpbf16ps-style) GEMMs written
// once over a dot-product vector type, instantiated inside the AVX-512 translation unit (VNNI /
// AVX512_BF16 intrinsics) and, in tests, on a plain-C++ emulation, so the loop logic is
// exercised on CPUs without those instructions.
// Contract:
//  * dot_i8_gemm_tile<D, V, MR>: KernelTable::i8_gemm_tile for layout int8.k4.nr<2 * V::kWidth>
//    (full 8-bit weights): rows in MR strips over whole K (blocks of rows whose codes fit L2), 2 x
//    MR accumulators of int32 lanes; D::dpbusd is exact (no saturation), then the fp32 epilogue
//    a_scale * w_scale * (sum - a_zero * col_sum) + bias, activation, masked store.
//    D needs: type I (int32 lanes, kWidth of V); I zero(); I load(const int8_t* p) (4 * kWidth
//    bytes); I bcast4(const uint8_t* p) (4 codes repeated); I dpbusd(I acc, I a, I b) (acc +=
//    sum of 4 u8(a) x s8(b) per lane); V dequant(I acc, int32 zero, const int32_t* col_sums)
//    -> float(acc - zero * col_sums).
//  * dot_bf16_gemm_tile<D, V, MR, KC, MC>: KernelTable::bf16_gemm_tile for layout
//    bf16.k2.nr<2 * V::kWidth>: A is rounded to bf16 (nearest even) while packed into MR-row
//    strips of K pairs (the instruction multiplies bf16 by bf16; products exact, fp32 sums); C
//    accumulates between K blocks like simd_gemm.h. D needs: V dpbf16(V acc, uint32_t a_pair,
//    const uint16_t* b) (acc += a.lo * b.even + a.hi * b.odd per lane, b = kWidth column pairs).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/kernels.h"
#include "kernels/simd_math.h"
#include "quant/quantize.h"

namespace lightbert::kernels::simd {

template <typename V>
inline void store_masked(V out, float* dst, int rest) {
  if (rest >= V::kWidth) {
    out.store(dst);
  } else if (rest > 0) {
    out.store_partial(dst, rest);
  }
}

template <typename D, typename V, int ROWS>
void dot_i8_micro(int64_t quads, const uint8_t* a, int64_t lda, const int8_t* b,
                  const I8GemmArgs& g, int64_t row0, int64_t n0, int nvalid, float* c) {
  using I = typename D::I;
  constexpr int W = V::kWidth;
  I acc[ROWS][2];
  for (int i = 0; i < ROWS; ++i) acc[i][0] = acc[i][1] = D::zero();
  for (int64_t q = 0; q < quads; ++q) {
    const I b0 = D::load(b);
    const I b1 = D::load(b + 4 * W);
    b += 8 * W;
    for (int i = 0; i < ROWS; ++i) {
      const I av = D::bcast4(a + i * lda + 4 * q);
      acc[i][0] = D::dpbusd(acc[i][0], av, b0);
      acc[i][1] = D::dpbusd(acc[i][1], av, b1);
    }
  }
  const PackedWeights& w = *g.w;
  for (int j = 0; j < 2; ++j) {
    const V wscale = V::load(w.scales.data() + n0 + j * W);
    const V bias = g.use_bias ? V::load(w.bias.data() + n0 + j * W) : V::zero();
    for (int i = 0; i < ROWS; ++i) {
      const int64_t r = row0 + i;
      const V f = D::dequant(acc[i][j], g.a_zero[r], w.col_sums.data() + n0 + j * W);
      V out = V::fma(f, V::set1(g.a_scale[r]) * wscale, bias);
      if (g.act != Activation::kNone) out = apply(out, g.act);
      store_masked(out, c + i * g.ldc + j * W, nvalid - j * W);
    }
  }
}

template <typename D, typename V, int... Rows>
constexpr auto make_dot_i8_micros(std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const uint8_t*, int64_t, const int8_t*, const I8GemmArgs&, int64_t,
                      int64_t, int, float*);
  return std::array<Fn, sizeof...(Rows)>{&dot_i8_micro<D, V, Rows + 1>...};
}

template <typename D, typename V, int MR>
void dot_i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  static constexpr auto kMicro = make_dot_i8_micros<D, V>(std::make_integer_sequence<int, MR>());
  constexpr int NR = 2 * V::kWidth;
  const PackedWeights& w = *g.w;
  const int64_t kp = w.k_padded();
  const uint8_t* codes = static_cast<const uint8_t*>(g.a);
  int64_t mc = (128 * 1024 / (kp > 0 ? kp : 1)) / MR * MR;
  mc = mc < MR ? MR : (mc > 128 ? 128 : mc);
  for (int64_t mb = m0; mb < m1; mb += mc) {
    const int64_t rows = m1 - mb < mc ? m1 - mb : mc;
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n0 = p * NR;
      const int nvalid = static_cast<int>(w.n - n0 < NR ? w.n - n0 : NR);
      for (int64_t r = 0; r < rows; r += MR) {
        const int h = static_cast<int>(rows - r < MR ? rows - r : MR);
        const int64_t row = mb + r;
        kMicro[h - 1](kp / 4, codes + row * g.lda, g.lda, w.i8_panel(p), g, row, n0, nvalid,
                      g.c + row * g.ldc + n0);
      }
    }
  }
}

// ROWS x NR block over `pairs` K pairs; a = packed strip [pairs][ROWS] of bf16 pairs.
template <typename D, typename V, int ROWS>
void dot_bf16_micro(int64_t pairs, const uint32_t* a, const uint16_t* b, const float* bias,
                    int init, float* c, int64_t ldc, int nvalid, Activation act) {
  constexpr int W = V::kWidth;
  V acc[ROWS][2];
  for (int j = 0; j < 2; ++j) {
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
  for (int64_t p = 0; p < pairs; ++p) {
    for (int i = 0; i < ROWS; ++i) {
      const uint32_t ap = a[p * ROWS + i];
      acc[i][0] = D::dpbf16(acc[i][0], ap, b);
      acc[i][1] = D::dpbf16(acc[i][1], ap, b + 2 * W);
    }
    b += 4 * W;
  }
  for (int i = 0; i < ROWS; ++i) {
    for (int j = 0; j < 2; ++j) {
      const V out = act == Activation::kNone ? acc[i][j] : apply(acc[i][j], act);
      store_masked(out, c + i * ldc + j * W, nvalid - j * W);
    }
  }
}

template <typename D, typename V, int... Rows>
constexpr auto make_dot_bf16_micros(std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const uint32_t*, const uint16_t*, const float*, int, float*, int64_t,
                      int, Activation);
  return std::array<Fn, sizeof...(Rows)>{&dot_bf16_micro<D, V, Rows + 1>...};
}

// Rows [0, rows) x K [0, kc) of A into MR-row strips of bf16 pairs [kc_pad / 2][strip rows]
// (pair = bf16(a[2t]) | bf16(a[2t + 1]) << 16; K beyond kc zero).
template <int MR>
void pack_a_bf16(const float* a, int64_t lda, int64_t rows, int64_t kc, uint32_t* dst) {
  const int64_t pairs = (kc + 1) / 2;
  for (int64_t r0 = 0; r0 < rows; r0 += MR) {
    const int h = static_cast<int>(rows - r0 < MR ? rows - r0 : MR);
    uint32_t* out = dst + r0 * pairs;
    for (int i = 0; i < h; ++i) {
      const float* src = a + (r0 + i) * lda;
      for (int64_t t = 0; t < pairs; ++t) {
        const uint32_t lo = quant::float_to_bf16(src[2 * t]);
        const uint32_t hi = 2 * t + 1 < kc ? quant::float_to_bf16(src[2 * t + 1]) : 0u;
        out[t * h + i] = lo | (hi << 16);
      }
    }
  }
}

template <typename D, typename V, int MR, int KC, int MC = 12 * MR>
void dot_bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  static_assert(KC % 2 == 0, "K blocks hold whole bf16 pairs");
  static constexpr auto kMicro = make_dot_bf16_micros<D, V>(std::make_integer_sequence<int, MR>());
  constexpr int NR = 2 * V::kWidth;
  alignas(64) uint32_t apack[MC * KC / 2];
  const PackedWeights& w = *g.w;
  for (int64_t mb = m0; mb < m1; mb += MC) {
    const int64_t rows = m1 - mb < MC ? m1 - mb : MC;
    int64_t k0 = 0;
    do {
      const int64_t kc = w.k - k0 < KC ? w.k - k0 : KC;
      const int64_t pairs = (kc + 1) / 2;
      const int init = k0 > 0 ? 2 : (g.use_bias ? 1 : 0);
      const Activation act = k0 + kc >= w.k ? g.act : Activation::kNone;
      pack_a_bf16<MR>(g.a + mb * g.lda + k0, g.lda, rows, kc, apack);
      for (int64_t p = p0; p < p1; ++p) {
        const uint16_t* bp = w.bf16_panel(p) + k0 * NR;
        const int64_t n0 = p * NR;
        const int nvalid = static_cast<int>(w.n - n0 < NR ? w.n - n0 : NR);
        for (int64_t r = 0; r < rows; r += MR) {
          const int h = static_cast<int>(rows - r < MR ? rows - r : MR);
          kMicro[h - 1](pairs, apack + r * pairs, bp, w.bias.data() + n0, init,
                        g.c + (mb + r) * g.ldc + n0, g.ldc, nvalid, act);
        }
      }
      k0 += kc;
    } while (k0 < w.k);
  }
}

}  // namespace lightbert::kernels::simd
