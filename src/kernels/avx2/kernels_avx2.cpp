// kernels/avx2/kernels_avx2.cpp: the AVX2+FMA kernel table (compiled with AVX2 flags only for
// this folder; chosen at run time by kernels/dispatch.cpp when the CPU supports it).
// Contract: fills KernelTable with the shared SIMD templates instantiated on 8-lane vectors;
// GEMM micro-kernel 6 rows x 16 columns (12 ymm accumulators), K blocks of 256, A read in place in
// blocks of 72 rows (simd_gemm.h); the choice against oneDNN / OpenBLAS / libxsmm / ORT is
// measured in bench/README.md ("GEMM choice").
#include "kernels/avx2/quant_avx2.h"
#include "kernels/avx2/vec_avx2.h"
#include "kernels/kernels.h"
#include "kernels/variants.h"
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

}  // namespace

void fill(KernelTable& t) {
  t.gemm_nr = kNv * Vec::kWidth;
  t.gemm_mr = kMr;
  t.gemm_kc = kKc;
  t.sgemm_tile = &simd::sgemm_tile<Vec, kMr, kNv, kKc>;
  t.activation = &simd::activation<Vec>;
  t.layer_norm = &simd::layer_norm<Vec>;
  t.softmax = &simd::softmax<Vec>;
  t.gemm_nn = &simd::attention_gemm_nn<Vec>;
  t.bf16_nr = 16;  // the AVX2 bf16 GEMM (quant_avx2.h): bf16 weights, fp32 activations
  t.bf16_activations = false;
  t.bf16_gemm_tile = &bf16_gemm_tile;
  t.i8_nr = kI8Nr;
  t.i8_kgroup = kI8KGroup;
  t.i8_qmax = kI8QMax;
  t.i8_mr = kI8Mr;
  t.i8_code_bytes = kI8CodeBytes;
  t.i8_k_align = kI8KGroup;
  t.quantize_rows_u8 = &quantize_rows_u8;
  t.i8_gemm_tile = &i8_gemm_tile;
}

void fill_probes(KernelProbes& p) {
  p.fma = &simd::fma_probe<Vec>;
  p.int8 = &int8_probe;
  p.bf16 = &simd::fma_probe<Vec>;  // bf16 weights run on fp32 FMAs here
}

}  // namespace avx2
}  // namespace lightbert::kernels
