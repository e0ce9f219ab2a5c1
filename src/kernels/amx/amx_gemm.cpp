// kernels/amx/amx_gemm.cpp: the amx variant's int8 (tdpbusd) and bf16 (tdpbf16ps) GEMMs and its
// fill functions (kernels/variants.h). Compiled natively (AVX-512 + AMX flags) and emulated
// (SIMDe + the scalar tile layer), each build in its own namespace (LIGHTBERT_ISA_NS).
// Contract (KernelTable, kernels.h):
//  * Tiles: one configuration for both GEMMs: tiles 0-3 the 2 x 2 blocks of a 32 x 32 C block
//    (16 rows x 16 int32 / fp32 each), tiles 4-5 two 16-row A blocks, tiles 6-7 two 16-column B
//    blocks, all 16 rows x 64 bytes; configured at the start of each tile call and released at
//    its end (the tile state is per thread).
//  * Weights: the VNNI / AVX512_BF16 layouts (int8.k4.nr32, bf16.k2.nr32): per K quad (pair) a
//    panel row holds 32 columns x 4 bytes, so each 16-column half is a B tile of stride 128
//    bytes and .lbt files are shared with avx512-vnni / avx512-bf16. The K tail (fewer than 16
//    quads / pairs) is copied into a zero-padded bounce tile; nothing past a panel is read.
//  * int8: A = 1-byte u8 codes of the table's quantiser, rows zero-padded to a multiple of 64
//    codes (i8_k_align) and to whole 32-row strips (i8_mr; ops/linear provides both), so A tiles
//    read only codes the caller owns. The exact int32 sums go through a 32 x 32 bounce buffer to
//    the fp32 epilogue of simd_quant_dot.h (dequantise, bias, activation, masked store).
//  * bf16: A (fp32) is rounded to bf16 (quant/quantize.h's rule, vectorised) into a stack block
//    of 64 rows x 512 K, zero-padded; K blocks add their fp32 partial sums into C (C is the
//    accumulator between K blocks, as in simd_gemm.h); bias at the first, activation at the last.
#include <cstring>

#include "kernels/amx/amx_tiles.h"
#include "kernels/avx512/vec_avx512.h"
#include "kernels/kernels.h"
#include "kernels/simd_math.h"
#include "kernels/simd_quant_dot.h"
#include "kernels/variants.h"

namespace lightbert::kernels::LIGHTBERT_ISA_NS {

namespace {

constexpr int kNr = 32;        // panel width (two B tiles)
constexpr int kMr = 32;        // C block rows (two A tiles)
constexpr int kI8KStep = 64;   // K codes per int8 tile step
constexpr int kBfKStep = 32;   // K elements per bf16 tile step
constexpr int kBfKc = 512;     // bf16 K block (elements) held in the stack A block
constexpr int kBfMc = 64;      // bf16 rows per A block
constexpr int kPanelRow = 128; // bytes per K quad / pair row of a panel

void configure_tiles() {
  tiles::Config cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  tiles::configure(cfg);
}

// The 16 x 64-byte B tiles (cols 0-15, 16-31) of panel rows [row0, row0 + valid), zero-padded.
void bounce_b(const uint8_t* panel, int64_t row0, int valid, uint8_t* lo, uint8_t* hi) {
  std::memset(lo, 0, 16 * 64);
  std::memset(hi, 0, 16 * 64);
  for (int r = 0; r < valid; ++r) {
    std::memcpy(lo + r * 64, panel + (row0 + r) * kPanelRow, 64);
    std::memcpy(hi + r * 64, panel + (row0 + r) * kPanelRow + 64, 64);
  }
}

// C tiles -> buf[32][32] (row stride 128 bytes).
template <typename T>
void store_c(T* buf) {
  LIGHTBERT_TILE_STORE(0, buf, 128);
  LIGHTBERT_TILE_STORE(1, buf + 16, 128);
  LIGHTBERT_TILE_STORE(2, buf + 16 * 32, 128);
  LIGHTBERT_TILE_STORE(3, buf + 16 * 32 + 16, 128);
}

void zero_c() {
  LIGHTBERT_TILE_ZERO(0);
  LIGHTBERT_TILE_ZERO(1);
  LIGHTBERT_TILE_ZERO(2);
  LIGHTBERT_TILE_ZERO(3);
}

void amx_i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  const PackedWeights& w = *g.w;
  const int64_t quads = w.k_padded() / 4;
  const int64_t full = quads / 16;                 // whole 16-quad tile steps
  const int tail = static_cast<int>(quads % 16);  // quads in the last, partial step
  const int64_t steps = full + (tail > 0 ? 1 : 0);
  const auto* codes = static_cast<const uint8_t*>(g.a);
  alignas(64) uint8_t btail[2][16 * 64];
  alignas(64) int32_t cbuf[kMr * 32];
  // Rows per block: their codes within ~1 MB of L2, whole 32-row blocks.
  int64_t mc = (1024 * 1024 / (g.lda > 0 ? g.lda : 1)) / kMr * kMr;
  mc = mc < kMr ? kMr : (mc > 512 ? 512 : mc);
  configure_tiles();
  for (int64_t mb = m0; mb < m1; mb += mc) {
    const int64_t rows = m1 - mb < mc ? m1 - mb : mc;
    for (int64_t p = p0; p < p1; ++p) {
      const auto* panel = reinterpret_cast<const uint8_t*>(w.i8_panel(p));
      const int64_t n0 = p * kNr;
      const int nvalid = static_cast<int>(w.n - n0 < kNr ? w.n - n0 : kNr);
      if (tail > 0) bounce_b(panel, full * 16, tail, btail[0], btail[1]);
      for (int64_t r = 0; r < rows; r += kMr) {
        const int64_t row = mb + r;
        const uint8_t* a0 = codes + row * g.lda;
        const uint8_t* a1 = a0 + 16 * g.lda;
        zero_c();
        for (int64_t s = 0; s < steps; ++s) {
          LIGHTBERT_TILE_LOAD(4, a0 + s * kI8KStep, g.lda);
          LIGHTBERT_TILE_LOAD(5, a1 + s * kI8KStep, g.lda);
          if (s < full) {
            LIGHTBERT_TILE_LOAD(6, panel + s * 16 * kPanelRow, kPanelRow);
            LIGHTBERT_TILE_LOAD(7, panel + s * 16 * kPanelRow + 64, kPanelRow);
          } else {
            LIGHTBERT_TILE_LOAD(6, btail[0], 64);
            LIGHTBERT_TILE_LOAD(7, btail[1], 64);
          }
          LIGHTBERT_TILE_DPBUSD(0, 4, 6);
          LIGHTBERT_TILE_DPBUSD(1, 4, 7);
          LIGHTBERT_TILE_DPBUSD(2, 5, 6);
          LIGHTBERT_TILE_DPBUSD(3, 5, 7);
        }
        store_c(cbuf);
        const int h = static_cast<int>(m1 - row < kMr ? m1 - row : kMr);
        for (int j = 0; j < 2; ++j) {
          const int rest = nvalid - 16 * j;
          if (rest <= 0) break;
          const __m512i sums = _mm512_loadu_si512(w.col_sums.data() + n0 + 16 * j);
          const Vec wscale = Vec::load(w.scales.data() + n0 + 16 * j);
          const Vec bias = g.use_bias ? Vec::load(w.bias.data() + n0 + 16 * j) : Vec::zero();
          for (int i = 0; i < h; ++i) {
            const int64_t rr = row + i;
            const __m512i acc = _mm512_loadu_si512(cbuf + i * 32 + 16 * j);
            const __m512i fixed =
                _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(g.a_zero[rr]), sums));
            Vec out = Vec::fma(Vec{_mm512_cvtepi32_ps(fixed)}, Vec::set1(g.a_scale[rr]) * wscale,
                               bias);
            if (g.act != Activation::kNone) out = simd::apply(out, g.act);
            simd::store_masked(out, g.c + rr * g.ldc + n0 + 16 * j, rest);
          }
        }
      }
    }
  }
  tiles::release();
}

// 16 floats -> 16 bf16 (round to nearest even; NaN -> quiet NaN: quant::float_to_bf16's rule).
inline __m256i to_bf16(__m512 x) {
  const __m512i u = _mm512_castps_si512(x);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), lsb)), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
  return _mm512_cvtepi32_epi16(r);
}

// Rows [0, rows) x K [0, kc) of A into dst (row stride kBfKc bf16), zero-padded to kcp columns
// and to rows32 rows.
void pack_a_bf16(const float* a, int64_t lda, int64_t rows, int64_t rows32, int64_t kc,
                 int64_t kcp, uint16_t* dst) {
  for (int64_t i = 0; i < rows32; ++i) {
    uint16_t* out = dst + i * kBfKc;
    if (i >= rows) {
      std::memset(out, 0, static_cast<size_t>(kcp) * 2);
      continue;
    }
    const float* src = a + i * lda;
    int64_t t = 0;
    for (; t + 16 <= kc; t += 16) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + t), to_bf16(_mm512_loadu_ps(src + t)));
    }
    if (t < kc) {
      alignas(32) uint16_t tmp[16];
      _mm256_store_si256(reinterpret_cast<__m256i*>(tmp),
                         to_bf16(Vec::load_partial(src + t, static_cast<int>(kc - t)).v));
      std::memcpy(out + t, tmp, static_cast<size_t>(kc - t) * 2);
    }
    if (kcp > kc) std::memset(out + kc, 0, static_cast<size_t>(kcp - kc) * 2);
  }
}

void amx_bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  const PackedWeights& w = *g.w;
  const int64_t pairs = w.k_padded() / 2;  // panel rows
  alignas(64) uint16_t abuf[kBfMc * kBfKc];
  alignas(64) uint8_t btail[2][16 * 64];
  alignas(64) float cbuf[kMr * 32];
  configure_tiles();
  for (int64_t mb = m0; mb < m1; mb += kBfMc) {
    const int64_t rows = m1 - mb < kBfMc ? m1 - mb : kBfMc;
    const int64_t rows32 = (rows + kMr - 1) / kMr * kMr;
    for (int64_t k0 = 0; k0 < w.k; k0 += kBfKc) {
      const int64_t kc = w.k - k0 < kBfKc ? w.k - k0 : kBfKc;
      const int64_t kcp = (kc + kBfKStep - 1) / kBfKStep * kBfKStep;
      const int64_t steps = kcp / kBfKStep;
      const bool first = k0 == 0;
      const bool last = k0 + kc >= w.k;
      pack_a_bf16(g.a + mb * g.lda + k0, g.lda, rows, rows32, kc, kcp, abuf);
      for (int64_t p = p0; p < p1; ++p) {
        const auto* panel = reinterpret_cast<const uint8_t*>(w.bf16_panel(p));
        const int64_t n0 = p * kNr;
        const int nvalid = static_cast<int>(w.n - n0 < kNr ? w.n - n0 : kNr);
        const int64_t last_row0 = k0 / 2 + (steps - 1) * 16;  // panel row of the last step
        const bool bounce = last_row0 + 16 > pairs;
        if (bounce) bounce_b(panel, last_row0, static_cast<int>(pairs - last_row0), btail[0], btail[1]);
        for (int64_t r = 0; r < rows32; r += kMr) {
          zero_c();
          for (int64_t s = 0; s < steps; ++s) {
            LIGHTBERT_TILE_LOAD(4, abuf + r * kBfKc + s * kBfKStep, kBfKc * 2);
            LIGHTBERT_TILE_LOAD(5, abuf + (r + 16) * kBfKc + s * kBfKStep, kBfKc * 2);
            const int64_t prow = k0 / 2 + s * 16;
            if (s + 1 < steps || !bounce) {
              LIGHTBERT_TILE_LOAD(6, panel + prow * kPanelRow, kPanelRow);
              LIGHTBERT_TILE_LOAD(7, panel + prow * kPanelRow + 64, kPanelRow);
            } else {
              LIGHTBERT_TILE_LOAD(6, btail[0], 64);
              LIGHTBERT_TILE_LOAD(7, btail[1], 64);
            }
            LIGHTBERT_TILE_DPBF16PS(0, 4, 6);
            LIGHTBERT_TILE_DPBF16PS(1, 4, 7);
            LIGHTBERT_TILE_DPBF16PS(2, 5, 6);
            LIGHTBERT_TILE_DPBF16PS(3, 5, 7);
          }
          store_c(cbuf);
          const int h = static_cast<int>(rows - r < kMr ? rows - r : kMr);
          for (int j = 0; j < 2; ++j) {
            const int rest = nvalid - 16 * j;
            if (rest <= 0) break;
            const Vec bias =
                first && g.use_bias ? Vec::load(w.bias.data() + n0 + 16 * j) : Vec::zero();
            for (int i = 0; i < h; ++i) {
              float* dst = g.c + (mb + r + i) * g.ldc + n0 + 16 * j;
              Vec out = Vec::load(cbuf + i * 32 + 16 * j);
              if (first) {
                out = out + bias;
              } else {
                out = out + (rest >= 16 ? Vec::load(dst) : Vec::load_partial(dst, rest));
              }
              if (last && g.act != Activation::kNone) out = simd::apply(out, g.act);
              simd::store_masked(out, dst, rest);
            }
          }
        }
      }
    }
  }
  tiles::release();
}

// Independent tdpbusd / tdpbf16ps on tiles held in registers (C tiles 0-3, A 4-5, B 6-7).
template <bool Int8>
double tile_probe(int64_t iterations) {
  alignas(64) uint8_t src[16 * 64];
  for (int i = 0; i < 16 * 64; ++i) src[i] = static_cast<uint8_t>(Int8 ? i % 7 : 0);
  alignas(64) int32_t dst[16 * 16];
  configure_tiles();
  zero_c();
  LIGHTBERT_TILE_LOAD(4, src, 64);
  LIGHTBERT_TILE_LOAD(5, src, 64);
  LIGHTBERT_TILE_LOAD(6, src, 64);
  LIGHTBERT_TILE_LOAD(7, src, 64);
  for (int64_t i = 0; i < iterations; ++i) {
    if (Int8) {
      LIGHTBERT_TILE_DPBUSD(0, 4, 6);
      LIGHTBERT_TILE_DPBUSD(1, 4, 7);
      LIGHTBERT_TILE_DPBUSD(2, 5, 6);
      LIGHTBERT_TILE_DPBUSD(3, 5, 7);
    } else {
      LIGHTBERT_TILE_DPBF16PS(0, 4, 6);
      LIGHTBERT_TILE_DPBF16PS(1, 4, 7);
      LIGHTBERT_TILE_DPBF16PS(2, 5, 6);
      LIGHTBERT_TILE_DPBF16PS(3, 5, 7);
    }
  }
  LIGHTBERT_TILE_STORE(0, dst, 64);
  tiles::release();
  volatile int32_t sink = dst[0];
  (void)sink;
  // Per instruction: 16 x 16 outputs x (64 int8 | 32 bf16) multiply-adds, 2 ops each.
  return 4.0 * 2.0 * 16.0 * 16.0 * (Int8 ? 64.0 : 32.0) * static_cast<double>(iterations);
}

}  // namespace

void fill(KernelTable& t) {
  t.i8_nr = kNr;
  t.i8_kgroup = 4;
  t.i8_qmax = 127;
  t.i8_mr = kMr;
  t.i8_code_bytes = 1;  // the avx512-vnni quantiser's codes (installed before this fill)
  t.i8_k_align = kI8KStep;
  t.i8_gemm_tile = &amx_i8_gemm_tile;
  t.bf16_nr = kNr;
  t.bf16_activations = true;
  t.bf16_gemm_tile = &amx_bf16_gemm_tile;
}

void fill_probes(KernelProbes& p) {
  p.int8 = &tile_probe<true>;
  p.bf16 = &tile_probe<false>;
}

}  // namespace lightbert::kernels::LIGHTBERT_ISA_NS
