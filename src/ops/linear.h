// ops/linear.h: y = act(x W^T + b) on prepacked weights (fp32, bf16 or int8), parallel over
// output tiles.
// Contract: x [m, k], y [m, n] with n = w.n, k = w.k (views may be strided); `w` must have been
// packed for the context's kernel table (w.layout == kernels::packed_layout(table, w.dtype)). A
// shape or packing mismatch is a bug in the caller and throws lightbert::Error(kInternal).
// use_bias = false skips the bias (it is then added by a later fused op). x and y must not
// overlap. int8 weights: each row of x is quantised at run time to u8 codes (per-row scale and
// zero point, quant/quantize.h), the integer products are exact int32 sums, and dequantisation
// (+ bias, activation) is fused into the GEMM's store; the codes live in a per-thread grow-only
// scratch buffer (m x k codes).
#pragma once

#include "kernels/kernels.h"
#include "kernels/packed_weights.h"
#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::ops {

void linear(const OpContext& ctx, tensor::ConstMatrixView x, const kernels::PackedWeights& w,
            tensor::MatrixView y, Activation act = Activation::kNone, bool use_bias = true);

// Packs W [n, k] (+ bias [n] or null) for the context's kernel table, stored as `dtype`
// (int8: symmetric per output channel; bf16: round to nearest even). A dtype the table has no
// kernel for throws Error(kUnsupported).
kernels::PackedWeights pack_linear(const OpContext& ctx, const float* w, int64_t n, int64_t k,
                                   const float* bias,
                                   kernels::WeightDtype dtype = kernels::WeightDtype::kF32);

}  // namespace lightbert::ops
