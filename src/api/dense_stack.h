// api/dense_stack.h: the sentence-transformers Dense modules of a Model (modules.json's
// sentence_transformers.models.Dense), packed once for the model's kernel table and run through
// ops::linear (one GEMV path with the heads and the encoder; issue 14 item 7).
// Contract: DenseStack(modules, kernels) packs each module's weight [out, in] + bias fp32 for
// `kernels` (the encoder's table); apply(x, dst) runs them in order on one row (x: the first
// module's in_features floats; dst: the last one's out_features), each with its activation
// (tanh or identity) fused in the GEMM store. apply is thread-safe and may run on any number of
// threads at once: it uses its own one-thread pool, whose parallel_for runs inline on the
// calling thread without shared state, and the fp32 GEMM keeps no scratch (Model::pool is
// documented thread-safe and runs per sequence on the server's HTTP threads). The module chain
// is validated by models::read_sentence_transformers (each in_features equals the previous
// out_features); the first module's in_features is the encoder's hidden size (Model::load).
#pragma once

#include <vector>

#include "kernels/kernels.h"
#include "kernels/packed_weights.h"
#include "lightbert/types.h"
#include "ops/op_context.h"
#include "runtime/thread_pool.h"

namespace lightbert::detail {

class DenseStack {
 public:
  DenseStack(const std::vector<DenseModule>& modules, const kernels::KernelTable& kernels);
  void apply(const float* x, float* dst) const;

 private:
  struct Layer {
    kernels::PackedWeights w;
    Activation act;
  };
  runtime::ThreadPool pool_{1};
  ops::OpContext ctx_;
  std::vector<Layer> layers_;
  size_t widest_ = 0;  // the widest module output (scratch size)
};

}  // namespace lightbert::detail
