// kernels/avx2/quant_avx2.h: the AVX2 int8 kernels (quant_avx2.cpp) the avx2 table (and the
// avx512 table, which has no int8 kernel of its own without VNNI) points to.
// Contract: see KernelTable in kernels.h. Layout int8.k4.nr16 (full 8-bit weights, multiplied
// with vpmaddubsw through the sign trick, see quant_avx2.cpp); activation codes stored
// sign-split (i8_code_bytes 2): per K quad of a row, a 32-bit word of s = code - 128 (int8) then
// one of |s|, the two broadcast operands.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace lightbert::kernels::avx2 {

constexpr int kI8Nr = 16;
constexpr int kI8KGroup = 4;
constexpr int kI8QMax = 127;
constexpr int kI8Mr = 4;
constexpr int kI8CodeBytes = 2;  // sign-split codes (kernels.h)

void quantize_rows_u8(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp, void* q,
                      int64_t ldq, float* scale, int32_t* zero);
void i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
// The multiply chains: vpmaddubsw + vpmaddwd(1) + vpaddd (32 multiply-adds; the kernel adds
// the sign trick's vpxor / vpabsb / vpsignb on other ports).
double int8_probe(int64_t iterations);
// The same probe on vpmaddwd + vpaddd chains (16 multiply-adds: the exact 8-bit-weight
// alternative, int16 operands), for comparison in benchmarks.
double int8_probe_maddwd(int64_t iterations);
void bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);

}  // namespace lightbert::kernels::avx2
