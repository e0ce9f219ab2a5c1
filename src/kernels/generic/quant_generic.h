// kernels/generic/quant_generic.h: the portable int8 and bf16 GEMMs (quant_generic.cpp) of the
// generic table. Contract: see KernelTable in kernels.h; these are the scalar references the SIMD
// tables are tested against (int32 sums bit-exact, fp32 epilogue in the same formula).
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace lightbert::kernels::generic {

// Any panel width / K group the weights were packed with (the table advertises 16 / 2).
void bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
void quantize_rows_u8(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp, void* q,
                      int64_t ldq, float* scale, int32_t* zero);  // uint8 codes
void i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
double int8_probe(int64_t iterations);
// The epilogue every table applies to one exact int32 sum (before the activation).
inline float dequantize(int32_t sum, float a_scale, int32_t a_zero, float w_scale, int32_t col_sum,
                        float bias) {
  const int32_t fixed = static_cast<int32_t>(
      static_cast<uint32_t>(sum) - static_cast<uint32_t>(a_zero) * static_cast<uint32_t>(col_sum));
  return static_cast<float>(fixed) * (a_scale * w_scale) + bias;
}

}  // namespace lightbert::kernels::generic
