// api/head_context.h: the OpContext the task heads run their Linears on (ops::linear).
// Contract: head_context(model) is the kernel table and thread pool of the model's encoder when
// it is lightbert's own (every Encoder::load / Model::load), so a head's products run on the
// threads the forward pass uses. A Model's task calls are serialised by their callers exactly as
// its forward passes are (one parallel_for at a time per pool, runtime/thread_pool.h; the heads
// run inside the same task call, after the forward). Model::load always makes that encoder; any
// other would be a bug and throws Error(kInternal). The reference stays valid while the model
// lives.
// load_encoder(source, options) is Encoder::load over a source already opened (Model::load
// opens its path once for the encoder, the small files and the heads: models/model_source.h).
#pragma once

#include <memory>

#include "lightbert/encoder.h"
#include "lightbert/model.h"
#include "models/model_source.h"
#include "ops/op_context.h"

namespace lightbert::detail {

const ops::OpContext& head_context(Model& model);

std::unique_ptr<Encoder> load_encoder(const models::ModelSource& source,
                                      const EncoderOptions& options);

}  // namespace lightbert::detail
