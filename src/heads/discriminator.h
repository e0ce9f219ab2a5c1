// heads/discriminator.h: ELECTRA's replaced-token-detection head (ElectraForPreTraining's
// discriminator_predictions).
// Contract: load() requires a family row with a discriminator (formats/model_family.h: electra;
// kUnsupported naming the model_type otherwise) and an *ForPreTraining architecture (or none
// listed) and reads the top-level tensors discriminator_predictions.dense.{weight [H, H], bias
// [H]} and discriminator_predictions.dense_prediction.{weight [1, H], bias [1]} (kNotFound naming
// a missing one, kFormat a wrong shape). run() gives, per token, Hugging Face's logit
// dense_prediction(act(dense(h))) with act = config.hidden_act (gelu: exact erf form, gelu_new:
// tanh form, relu); sigmoid(logit) is the probability that the token was replaced.
#pragma once

#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "heads/head_common.h"
#include "lightbert/config.h"

namespace lightbert::heads {

struct DiscriminatorHead {
  Linear dense;
  Activation act = Activation::kGelu;
  Linear prediction;

  // From `ck`, the Model's head_checkpoint() (models/model_source.h: the weights it opened once);
  // `dir` names the model in messages.
  static DiscriminatorHead load(const formats::Checkpoint& ck, const std::string& dir,
                                const ModelConfig& config, const kernels::KernelTable& table);
  // hidden [n, H] -> logits [n]: both Linears once over the n rows on ctx (act fused).
  void run(const ops::OpContext& ctx, const float* hidden, size_t n, float* logits) const;
};

}  // namespace lightbert::heads
