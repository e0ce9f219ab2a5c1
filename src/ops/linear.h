// ops/linear.h: y = act(x W^T + b) on prepacked weights, parallel over output tiles.
// Contract: x [m, k], y [m, n] with n = w.n, k = w.k (views may be strided); `w` must have been
// packed with the context table's gemm_nr. A shape or packing mismatch is a bug in the caller
// and throws lightbert::Error(kInternal). use_bias = false skips the bias (it is then added by a
// later fused op). x and y must not overlap.
#pragma once

#include "kernels/kernels.h"
#include "kernels/packed_weights.h"
#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::ops {

void linear(const OpContext& ctx, tensor::ConstMatrixView x, const kernels::PackedWeights& w,
            tensor::MatrixView y, kernels::Act act = kernels::Act::kNone, bool use_bias = true);

// Packs W [n, k] (+ bias [n] or null) for the context's kernel table, stored as `dtype`
// (kF32 only until the quantised kernels land: others throw Error(kUnsupported)).
kernels::PackedWeights pack_linear(const OpContext& ctx, const float* w, int64_t n, int64_t k,
                                   const float* bias,
                                   kernels::WeightDtype dtype = kernels::WeightDtype::kF32);

}  // namespace lightbert::ops
