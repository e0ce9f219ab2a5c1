// ops/layer_norm.h: y = LayerNorm(x + bias + residual) * gamma + beta, row by row, in parallel.
// Contract: x, residual and y are [rows, n]; bias, gamma, beta have n floats; bias and
// residual.data may be null (not added). y may alias x or residual (same row layout).
// Mismatched shapes throw lightbert::Error(kInternal).
#pragma once

#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::ops {

void add_bias_residual_layer_norm(const OpContext& ctx, tensor::ConstMatrixView x,
                                  const float* bias, tensor::ConstMatrixView residual,
                                  const float* gamma, const float* beta, float eps,
                                  tensor::MatrixView y);

// Splits [0, rows) into chunks for parallel_for: about four per worker, at least one row each.
int64_t rows_per_task(const OpContext& ctx, int64_t rows);

}  // namespace lightbert::ops
