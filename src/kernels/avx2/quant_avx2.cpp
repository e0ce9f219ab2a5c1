// kernels/avx2/quant_avx2.cpp: AVX2 int8 and bf16 GEMMs (compiled with this folder's AVX2 flags).
// Contract (int8 exactness): activations are u8 codes (per-row zero point), weights s8 in
// [-127, 127] (full 8 bits, the same codes as the generic table), multiplied with vpmaddubsw
// through the sign trick: each activation code a is re-centred to a' = a - 128 (s8), and
// vpmaddubsw(|a'|, sign(w, a')) computes a' * w with the unsigned operand |a'| <= 128 and the
// signed one |w| <= 127, so each int16 pair sum is at most 2 * 128 * 127 = 32512 < 32767 and never
// saturates. quantize_rows_u8 stores a' and |a'| side by side (i8_code_bytes 2: per K quad 4
// bytes a' then 4 bytes |a'|), so the kernel broadcasts both from memory instead of computing
// them per row and panel (121 -> see bench/README.md GOP/s); vpmaddwd by 1 plus vpaddd keep exact
// int32 sums, and the zero-point correction uses (zero - 128): sum a w = sum a' w + 128 sum w. The
// int32 results equal the generic table's exactly. (Before: 7-bit weights in [-63, 63] without the
// sign trick, like ONNX Runtime's reduce_range: ~20% faster kernel, but 12-layer bert-base int8
// fell to mean cosine 0.9945; 8-bit weights give 0.998.) The micro-kernel is 4 rows x 16 columns (8
// ymm int32 accumulators) over the whole K; rows go in blocks whose codes fit in L2, so one panel's
// K x 16 weights are reused by every strip of it.
#include "kernels/avx2/quant_avx2.h"

#include <immintrin.h>

#include <array>
#include <utility>

#include "kernels/avx2/vec_avx2.h"
#include "kernels/simd_gemm_bf16.h"
#include "kernels/simd_math.h"
#include "quant/quantize.h"

namespace lightbert::kernels::avx2 {

namespace {

// Row codes: nearbyint(x * inv) + zero clamped to [0, 255], 8 at a time, as uint16 lanes.
inline __m128i codes8(__m256 x, __m256 inv, __m256 zf) {
  __m256 v = _mm256_add_ps(
      _mm256_round_ps(_mm256_mul_ps(x, inv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zf);
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(255.0f));
  const __m256i i = _mm256_cvtps_epi32(v);
  return _mm_packus_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
}

}  // namespace

void quantize_rows_u8(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp, void* q,
                      int64_t ldq, float* scale, int32_t* zero) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x + r * ldx;
    uint8_t* dst = static_cast<uint8_t*>(q) + r * ldq * kI8CodeBytes;
    simd::u8_row_params<Vec>(src, k, &scale[r], &zero[r]);
    const __m256 inv = _mm256_set1_ps(1.0f / scale[r]);
    const __m256 zf = _mm256_set1_ps(static_cast<float>(zero[r]));
    const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) {  // two quads: [s0..s3][|s0..s3|][s4..s7][|s4..s7|]
      const __m128i c = codes8(_mm256_loadu_ps(src + i), inv, zf);
      const __m128i sv = _mm_xor_si128(_mm_packus_epi16(c, c), flip);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i),
                       _mm_unpacklo_epi32(sv, _mm_abs_epi8(sv)));
    }
    alignas(16) uint16_t tail[8] = {};  // codes <= 255
    const int rest = static_cast<int>(k - i);
    if (rest > 0) {
      _mm_store_si128(reinterpret_cast<__m128i*>(tail),
                      codes8(Vec::load_partial(src + i, rest).v, inv, zf));
    }
    for (int64_t j = i; j < kp; ++j) {
      const int sv = j < k ? static_cast<int>(tail[j - i]) - 128 : 0;
      uint8_t* quad = dst + 2 * (j & ~int64_t{3});
      quad[j & 3] = static_cast<uint8_t>(static_cast<int8_t>(sv));
      quad[4 + (j & 3)] = static_cast<uint8_t>(sv < 0 ? -sv : sv);
    }
  }
}

namespace {

// ROWS x 16 block over kp/4 K quads; a: ROWS rows of sign-split codes (stride lda bytes).
template <int ROWS>
void i8_micro_kernel(int64_t quads, const uint8_t* a, int64_t lda, const int8_t* b,
                     const I8GemmArgs& g, int64_t row0, int64_t n0, int nvalid, float* c) {
  __m256i acc[ROWS][2];
  for (int i = 0; i < ROWS; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t q = 0; q < quads; ++q) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32));
    b += 64;
    for (int i = 0; i < ROWS; ++i) {
      int32_t quad_s, quad_u;
      __builtin_memcpy(&quad_s, a + i * lda + 8 * q, sizeof(quad_s));
      __builtin_memcpy(&quad_u, a + i * lda + 8 * q + 4, sizeof(quad_u));
      const __m256i as = _mm256_set1_epi32(quad_s);  // s = a - 128
      const __m256i au = _mm256_set1_epi32(quad_u);  // |s| (128 for s = -128)
      acc[i][0] = _mm256_add_epi32(
          acc[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(au, _mm256_sign_epi8(b0, as)), ones));
      acc[i][1] = _mm256_add_epi32(
          acc[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(au, _mm256_sign_epi8(b1, as)), ones));
    }
  }
  const PackedWeights& w = *g.w;
  for (int j = 0; j < 2; ++j) {
    const __m256i sums =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.col_sums.data() + n0 + 8 * j));
    const __m256 wscale = _mm256_loadu_ps(w.scales.data() + n0 + 8 * j);
    const __m256 bias =
        g.use_bias ? _mm256_loadu_ps(w.bias.data() + n0 + 8 * j) : _mm256_setzero_ps();
    for (int i = 0; i < ROWS; ++i) {
      const int64_t r = row0 + i;
      const __m256i fixed = _mm256_sub_epi32(
          acc[i][j], _mm256_mullo_epi32(_mm256_set1_epi32(g.a_zero[r] - 128), sums));
      const __m256 s = _mm256_mul_ps(_mm256_set1_ps(g.a_scale[r]), wscale);
      Vec out{_mm256_fmadd_ps(_mm256_cvtepi32_ps(fixed), s, bias)};
      if (g.act != Activation::kNone) out = simd::apply(out, g.act);
      float* dst = c + i * g.ldc + 8 * j;
      const int rest = nvalid - 8 * j;
      if (rest >= 8) {
        out.store(dst);
      } else if (rest > 0) {
        out.store_partial(dst, rest);
      }
    }
  }
}

using I8MicroFn = void (*)(int64_t, const uint8_t*, int64_t, const int8_t*, const I8GemmArgs&,
                           int64_t, int64_t, int, float*);

template <int... Rows>
constexpr auto make_i8_micro_kernels(std::integer_sequence<int, Rows...>) {
  return std::array<I8MicroFn, sizeof...(Rows)>{&i8_micro_kernel<Rows + 1>...};
}

}  // namespace

void i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  static constexpr auto kMicro = make_i8_micro_kernels(std::make_integer_sequence<int, kI8Mr>());
  const PackedWeights& w = *g.w;
  const int64_t kp = w.k_padded();
  const int64_t quads = kp / 4;
  const uint8_t* codes = static_cast<const uint8_t*>(g.a);
  // Rows per block: their codes within ~128 KB of L2, whole strips.
  int64_t mc = (128 * 1024 / (kp > 0 ? kp : 1)) / kI8Mr * kI8Mr;
  mc = mc < kI8Mr ? kI8Mr : (mc > 96 ? 96 : mc);
  for (int64_t mb = m0; mb < m1; mb += mc) {
    const int64_t rows = m1 - mb < mc ? m1 - mb : mc;
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n0 = p * kI8Nr;
      const int nvalid = static_cast<int>(w.n - n0 < kI8Nr ? w.n - n0 : kI8Nr);
      for (int64_t r = 0; r < rows; r += kI8Mr) {
        const int h = static_cast<int>(rows - r < kI8Mr ? rows - r : kI8Mr);
        const int64_t row = mb + r;
        kMicro[h - 1](quads, codes + row * g.lda * kI8CodeBytes, g.lda * kI8CodeBytes,
                      w.i8_panel(p), g, row, n0, nvalid, g.c + row * g.ldc + n0);
      }
    }
  }
}

// Independent chains acc = acc + multiply(acc, y) (12 of them hide the 3-cycle multiply plus the
// add on two multiply pipes); integer wrap-around is harmless.
double int8_probe_maddwd(int64_t iterations) {
  constexpr int kChains = 12;
  __m256i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_epi32(c + 1);
  const __m256i y = _mm256_set1_epi16(3);
  for (int64_t i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(acc[c], y));
  }
  __m256i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_epi32(sum, acc[c]);
  volatile int sink = _mm256_extract_epi32(sum, 0);
  (void)sink;
  return 2.0 * 16.0 * kChains * static_cast<double>(iterations);  // 16 multiply-adds each
}

double int8_probe(int64_t iterations) {
  constexpr int kChains = 12;
  __m256i acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_epi32(c + 1);
  const __m256i y = _mm256_set1_epi8(3);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) {
      acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(_mm256_maddubs_epi16(acc[c], y), ones));
    }
  }
  __m256i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_epi32(sum, acc[c]);
  volatile int sink = _mm256_extract_epi32(sum, 0);
  (void)sink;
  return 2.0 * 32.0 * kChains * static_cast<double>(iterations);  // 32 multiply-adds each
}

void bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  simd::bf16_gemm_tile<Vec, 6, 2, 256>(g, m0, m1, p0, p1);
}

}  // namespace lightbert::kernels::avx2
