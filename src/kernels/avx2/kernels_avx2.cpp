// kernels/avx2/kernels_avx2.cpp: the AVX2+FMA kernel table (compiled with AVX2 flags only for
// this folder; chosen at run time by kernels/dispatch.cpp when the CPU supports it).
// Contract: fills KernelTable with the shared SIMD templates instantiated on 8-lane vectors;
// GEMM micro-kernel 6 rows x 16 columns (12 ymm accumulators), K blocks of 256, A read in place in
// blocks of 72 rows (simd_gemm.h); the choice against oneDNN / OpenBLAS / libxsmm / ORT is
// measured in bench/README.md ("GEMM choice").
#include "kernels/avx2/quant_avx2.h"
#include "kernels/avx2/vec_avx2.h"
#include "kernels/kernels.h"
#include "kernels/simd_attention.h"
#include "kernels/simd_gemm.h"
#include "kernels/simd_math.h"
#include "kernels/simd_peak.h"

namespace lightbert::kernels {
namespace avx2 {
namespace {

constexpr int kMr = 6;
constexpr int kNv = 2;
constexpr int kKc = 256;

const KernelTable kTable = {
    "avx2",
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

}  // namespace
}  // namespace avx2

const KernelTable& avx2_kernels() {
  return avx2::kTable;
}

}  // namespace lightbert::kernels
