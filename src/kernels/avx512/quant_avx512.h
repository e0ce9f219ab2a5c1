// kernels/avx512/quant_avx512.h: the AVX-512 VNNI int8 and AVX512_BF16 GEMMs and the 1-byte u8
// activation quantiser (quant_avx512.cpp), installed by the avx512-vnni / avx512-bf16 / amx
// variants (kernels/dispatch.cpp). Compiled natively and emulated (isa_avx512.h): the names live
// in LIGHTBERT_ISA_NS.
// Contract: see KernelTable in kernels.h and simd_quant_dot.h. int8: layout int8.k4.nr32 (full
// 8-bit weights: vpdpbusd sums u8 x s8 quads into int32 without saturation), 1-byte u8 codes
// (quantize_rows_u8_1b: quant/quantize.h's rule bit for bit, NaN rows included), 8-row
// micro-kernel; bf16: layout bf16.k2.nr32, activations rounded to bf16 (nearest even) for
// vdpbf16ps (the table sets bf16_activations).
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace lightbert::kernels::LIGHTBERT_ISA_NS {

constexpr int kVnniNr = 32;
constexpr int kVnniMr = 8;
constexpr int kBf16Nr = 32;

void quantize_rows_u8_1b(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp, void* q,
                         int64_t ldq, float* scale, int32_t* zero);
void vnni_i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
double vnni_int8_probe(int64_t iterations);  // vpdpbusd chains: 64 multiply-adds each
void dpbf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
double dpbf16_probe(int64_t iterations);  // vdpbf16ps chains: 32 multiply-adds each

}  // namespace lightbert::kernels::LIGHTBERT_ISA_NS
