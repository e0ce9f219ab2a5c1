// kernels/avx512/quant_avx512.h: the AVX-512 VNNI int8 and AVX512_BF16 GEMMs (quant_avx512.cpp),
// which the avx512 table uses only when the CPU reports avx512_vnni / avx512_bf16 (dispatch's
// cpu_supports); otherwise it keeps the AVX2 int8 / bf16 kernels.
// Contract: see KernelTable in kernels.h and simd_quant_dot.h. int8: layout int8.k4.nr32 (full
// 8-bit weights: vpdpbusd sums u8 x s8 quads into int32 without saturation), uint8 codes, 8-row
// micro-kernel; bf16: layout bf16.k2.nr32, activations rounded to bf16 for vdpbf16ps.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace lightbert::kernels::avx512 {

constexpr int kVnniNr = 32;
constexpr int kVnniMr = 8;
constexpr int kBf16Nr = 32;

void vnni_i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
double vnni_int8_probe(int64_t iterations);  // vpdpbusd chains: 64 multiply-adds each
void dpbf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);

}  // namespace lightbert::kernels::avx512
