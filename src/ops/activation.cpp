// ops/activation.cpp: see activation.h.
#include "ops/activation.h"

#include <algorithm>

#include "ops/layer_norm.h"

namespace lightbert::ops {

kernels::Act kernel_activation(Activation act) {
  switch (act) {
    case Activation::kGelu:
      return kernels::Act::kGelu;
    case Activation::kGeluNew:
      return kernels::Act::kGeluTanh;
    case Activation::kRelu:
      return kernels::Act::kRelu;
  }
  return kernels::Act::kGelu;
}

void apply_activation(const OpContext& ctx, tensor::MatrixView y, kernels::Act act) {
  if (act == kernels::Act::kNone) return;
  const int64_t chunk = rows_per_task(ctx, y.rows);
  ctx.pool->parallel_for((y.rows + chunk - 1) / chunk, [&](int64_t t, int) {
    const int64_t r1 = std::min(y.rows, (t + 1) * chunk);
    for (int64_t r = t * chunk; r < r1; ++r) ctx.kernels->activation(y.row(r), y.cols, act);
  });
}

}  // namespace lightbert::ops
