// kernels/avx512/kernels_avx512.cpp: the AVX-512 parts of the avx512, avx512-vnni and avx512-bf16
// variants (kernels/variants.h), compiled natively with AVX-512 flags and emulated through SIMDe
// (isa_avx512.h), each build in its own namespace (LIGHTBERT_ISA_NS).
// Contract: fill_fp32 installs the shared SIMD templates instantiated on 16-lane vectors: GEMM
// micro-kernel 8 rows x 32 columns (16 zmm accumulators), K blocks of 256, A read in place in
// blocks of 96 rows (simd_gemm.h), and the element-wise / row kernels; fill_vnni the VNNI int8
// GEMM with its 1-byte u8 quantiser; fill_bf16 the vdpbf16ps bf16 GEMM (bf16 activations).
#include "kernels/avx512/quant_avx512.h"
#include "kernels/avx512/vec_avx512.h"
#include "kernels/kernels.h"
#include "kernels/simd_attention.h"
#include "kernels/simd_gemm.h"
#include "kernels/simd_math.h"
#include "kernels/simd_peak.h"
#include "kernels/variants.h"

namespace lightbert::kernels::LIGHTBERT_ISA_NS {

namespace {

constexpr int kMr = 8;
constexpr int kNv = 2;
constexpr int kKc = 256;

}  // namespace

void fill_fp32(KernelTable& t) {
  t.gemm_nr = kNv * Vec::kWidth;
  t.gemm_mr = kMr;
  t.gemm_kc = kKc;
  t.sgemm_tile = &simd::sgemm_tile<Vec, kMr, kNv, kKc>;
  t.activation = &simd::activation<Vec>;
  t.layer_norm = &simd::layer_norm<Vec>;
  t.softmax = &simd::softmax<Vec>;
  t.gemm_nn = &simd::attention_gemm_nn<Vec>;
}

void fill_vnni(KernelTable& t) {
  t.i8_nr = kVnniNr;
  t.i8_kgroup = 4;
  t.i8_qmax = 127;
  t.i8_mr = kVnniMr;
  t.i8_code_bytes = 1;
  t.i8_k_align = 4;
  t.quantize_rows_u8 = &quantize_rows_u8_1b;
  t.i8_gemm_tile = &vnni_i8_gemm_tile;
}

void fill_bf16(KernelTable& t) {
  t.bf16_nr = kBf16Nr;
  t.bf16_activations = true;
  t.bf16_gemm_tile = &dpbf16_gemm_tile;
}

void fill_probes(KernelProbes& p, bool vnni, bool bf16) {
  p.fma = &simd::fma_probe<Vec>;
  if (vnni) p.int8 = &vnni_int8_probe;
  p.bf16 = bf16 ? &dpbf16_probe : &simd::fma_probe<Vec>;
}

}  // namespace lightbert::kernels::LIGHTBERT_ISA_NS
