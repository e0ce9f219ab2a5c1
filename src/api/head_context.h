// api/head_context.h: the OpContext the task heads run their Linears on (ops::linear).
// Contract: head_context(model) is the kernel table and thread pool of the model's encoder when
// it is lightbert's own (every Encoder::load / Model::load), so a head's products run on the
// threads the forward pass uses. A Model's task calls are serialised by their callers exactly as
// its forward passes are (one parallel_for at a time per pool, runtime/thread_pool.h; the heads
// run inside the same task call, after the forward). Model::load always makes that encoder; any
// other would be a bug and throws Error(kInternal). The reference stays valid while the model
// lives.
#pragma once

#include "lightbert/model.h"
#include "ops/op_context.h"

namespace lightbert::detail {

const ops::OpContext& head_context(Model& model);

}  // namespace lightbert::detail
