// ops/layer_norm.cpp: see layer_norm.h.
#include "ops/layer_norm.h"

#include <algorithm>

#include "lightbert/error.h"

namespace lightbert::ops {

int64_t rows_per_task(const OpContext& ctx, int64_t rows) {
  const int64_t tasks = 4 * static_cast<int64_t>(ctx.pool->size());
  return std::max<int64_t>(1, (rows + tasks - 1) / tasks);
}

void add_bias_residual_layer_norm(const OpContext& ctx, tensor::ConstMatrixView x,
                                  const float* bias, tensor::ConstMatrixView residual,
                                  const float* gamma, const float* beta, float eps,
                                  tensor::MatrixView y) {
  const bool has_residual = residual.data != nullptr;
  if (x.rows != y.rows || x.cols != y.cols ||
      (has_residual && (residual.rows != y.rows || residual.cols != y.cols))) {
    throw Error(ErrorCode::kInternal, "layer_norm: shape mismatch");
  }
  const int64_t rows = y.rows;
  const int64_t n = y.cols;
  const int64_t chunk = rows_per_task(ctx, rows);
  const kernels::KernelTable& k = *ctx.kernels;
  ctx.pool->parallel_for((rows + chunk - 1) / chunk, [&](int64_t t, int) {
    const int64_t r1 = std::min(rows, (t + 1) * chunk);
    for (int64_t r = t * chunk; r < r1; ++r) {
      k.layer_norm(x.row(r), bias, has_residual ? residual.row(r) : nullptr, gamma, beta, eps,
                   y.row(r), n);
    }
  });
}

}  // namespace lightbert::ops
