// kernels/avx2/quant_avx2.h: the AVX2 int8 kernels (quant_avx2.cpp) the avx2 table (and the
// avx512 table, which has no int8 kernel of its own without VNNI) points to.
// Contract: see KernelTable in kernels.h. Layout int8.k2.nr16; activation codes stored as uint16
// (kI8CodeBytes 2): a K pair of a row is one 32-bit word, the vpmaddwd operand.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace lightbert::kernels::avx2 {

constexpr int kI8Nr = 16;
constexpr int kI8KGroup = 2;
constexpr int kI8Mr = 4;
constexpr int kI8CodeBytes = 2;

void quantize_rows_u8(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp, void* q,
                      int64_t ldq, float* scale, int32_t* zero);
void i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
double int8_probe(int64_t iterations);
// The same probe on vpmaddubsw + vpmaddwd(1) chains (the usual u8 x s8 AVX2 sequence, whose int16
// pair sums saturate for 8-bit weights); benchmarks report it for comparison.
double int8_probe_maddubs(int64_t iterations);
void bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);

}  // namespace lightbert::kernels::avx2
