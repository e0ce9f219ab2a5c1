// quant/quantize.h: the scalar quantisation rules shared by the packers, the generic kernels and
// the tests (the SIMD kernels must reproduce them bit for bit).
// Contract:
//  * bf16: float_to_bf16 rounds to nearest, ties to even (NaN stays a quiet NaN); bf16_to_float
//    is exact (the bits shifted left by 16).
//  * int8 weights: symmetric per output channel, scale = max|w| / qmax (1 when the row is all
//    zero), q = nearbyint(w / scale) clamped to [-qmax, qmax] (the FP environment's round-to-
//    nearest-even); qmax 127 (every table here; 63 only re-read from older 7-bit files). A row holding a
//    non-finite value gets scale NaN (its outputs are NaN, as in fp32).
//  * u8 activations (dynamic, per row, ONNX Runtime's DynamicQuantizeLinear rule): range
//    [min(0, min x), max(0, max x)], scale = (max - min) / 255 (1 when the range is empty),
//    zero = clamp(nearbyint(-min / scale), 0, 255), q = clamp(nearbyint(x * (1 / scale)) + zero, 0,
//    255) (the reciprocal computed once in float). A row holding a non-finite value gets
//    scale NaN, zero 0 and all codes 0 (nonfinite_u8_params), so its product row is NaN, as in
//    fp32, in every kernel table.
#pragma once

#include <cstdint>

namespace lightbert::quant {

uint16_t float_to_bf16(float x);
float bf16_to_float(uint16_t b);

// Quantises one weight row of k values; returns its scale.
float quantize_weight_row_s8(const float* w, int64_t k, int8_t* q, int qmax = 127);

// Quantises one activation row of k values into q[0..k); stores its scale and zero point.
void quantize_row_u8(const float* x, int64_t k, uint8_t* q, float* scale, int32_t* zero);

// The scale / zero point for a row whose range is [lo, hi] (lo <= 0 <= hi).
void u8_params(float lo, float hi, float* scale, int32_t* zero);
// The scale (NaN) / zero point (0) of a row holding a non-finite value.
void nonfinite_u8_params(float* scale, int32_t* zero);

}  // namespace lightbert::quant
