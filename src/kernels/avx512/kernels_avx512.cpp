// kernels/avx512/kernels_avx512.cpp: the AVX-512 kernel table (compiled with AVX-512 flags only
// for this folder; chosen at run time by kernels/dispatch.cpp when the CPU supports it).
// Contract: fills KernelTable with the shared SIMD templates instantiated on 16-lane vectors;
// GEMM micro-kernel 8 rows x 32 columns (16 zmm accumulators), K blocks of 256, A read in place in
// blocks of 96 rows (simd_gemm.h). int8 / bf16 weights: the VNNI / AVX512_BF16 GEMMs
// (quant_avx512.h) when the CPU reports avx512_vnni / avx512_bf16, else the AVX2 ones
// (quant_avx2.h; AVX-512 CPUs run AVX2), chosen once when the table is first used.
#include "kernels/avx2/quant_avx2.h"
#include "kernels/avx512/quant_avx512.h"
#include "kernels/avx512/vec_avx512.h"
#include "kernels/kernels.h"
#include "kernels/simd_attention.h"
#include "kernels/simd_gemm.h"
#include "kernels/simd_math.h"
#include "kernels/simd_peak.h"

namespace lightbert::kernels {
namespace avx512 {
namespace {

constexpr int kMr = 8;
constexpr int kNv = 2;
constexpr int kKc = 256;

const KernelTable kBase = {
    "avx512",
    kNv* Vec::kWidth,
    kMr,
    kKc,
    &simd::sgemm_tile<Vec, kMr, kNv, kKc>,
    &simd::activation<Vec>,
    &simd::layer_norm<Vec>,
    &simd::softmax<Vec>,
    &simd::attention_gemm_nn<Vec>,
    &simd::fma_probe<Vec>,
    16,  // bf16_nr: the AVX2 bf16 GEMM (quant_avx2.h)
    &avx2::bf16_gemm_tile,
    avx2::kI8Nr,
    avx2::kI8KGroup,
    avx2::kI8QMax,
    avx2::kI8Mr,
    avx2::kI8CodeBytes,
    &avx2::quantize_rows_u8,
    &avx2::i8_gemm_tile,
    &avx2::int8_probe,
};

// kBase with the VNNI int8 / AVX512_BF16 GEMMs where this CPU has them.
KernelTable make_table() {
  KernelTable t = kBase;
  if (cpu_supports("avx512_vnni")) {
    t.i8_nr = kVnniNr;
    t.i8_kgroup = 4;
    t.i8_qmax = 127;
    t.i8_mr = kVnniMr;
    t.i8_code_bytes = 1;
    t.quantize_rows_u8 = &avx2::quantize_rows_u8;  // uint8 codes, the same rule
    t.i8_gemm_tile = &vnni_i8_gemm_tile;
    t.int8_probe = &vnni_int8_probe;
  }
  if (cpu_supports("avx512_bf16")) {
    t.bf16_nr = kBf16Nr;
    t.bf16_gemm_tile = &dpbf16_gemm_tile;
  }
  return t;
}

}  // namespace
}  // namespace avx512

const KernelTable& avx512_kernels() {
  static const KernelTable table = avx512::make_table();
  return table;
}

}  // namespace lightbert::kernels
