// ops/activation.cpp: see activation.h.
#include "ops/activation.h"

#include <algorithm>

#include "ops/layer_norm.h"

namespace lightbert::ops {

void apply_activation(const OpContext& ctx, tensor::MatrixView y, Activation act) {
  if (act == Activation::kNone) return;
  const int64_t chunk = rows_per_task(ctx, y.rows);
  ctx.pool->parallel_for((y.rows + chunk - 1) / chunk, [&](int64_t t, int) {
    const int64_t r1 = std::min(y.rows, (t + 1) * chunk);
    for (int64_t r = t * chunk; r < r1; ++r) ctx.kernels->activation(y.row(r), y.cols, act);
  });
}

}  // namespace lightbert::ops
