// heads/fill_mask.h: the masked-LM prediction head of each model family, for mask rows only.
// Contract: load() takes the layout of config.model_type's row of the family table
// (formats/model_family.h, MlmLayout;
// names as Hugging Face saves them):
//   bert        cls.predictions.transform.dense [H, H], .transform.LayerNorm, decoder
//               cls.predictions.decoder.weight, bias cls.predictions.bias (or .decoder.bias);
//               activation config.hidden_act, eps config.layer_norm_eps.
//   roberta, xlm-roberta  lm_head.dense [H, H], lm_head.layer_norm, lm_head.decoder.weight,
//               lm_head.bias (or lm_head.decoder.bias); exact gelu, eps config.layer_norm_eps.
//   distilbert  vocab_transform [H, H], vocab_layer_norm (eps 1e-12), vocab_projector.weight /
//               .bias; activation config `activation`.
//   albert      predictions.dense [E, H], predictions.LayerNorm [E], predictions.decoder.weight
//               [V, E], predictions.bias (or predictions.decoder.bias); config.hidden_act.
//   electra     generator_predictions.dense [E, H], generator_predictions.LayerNorm [E],
//               generator_lm_head.weight [V, E] / .bias; exact gelu.
// E is config.embedding_size. An absent decoder weight is the tied word embeddings
// (embeddings.word_embeddings.weight under the family's base-model prefix). Architectures must
// end with ForMaskedLM (or ForPreTraining for BERT and ALBERT, whose pre-training heads hold
// the MLM head). A missing tensor throws kNotFound naming the checkpoint file and the tensor.
// logits() maps hidden rows to V logits each: LayerNorm(act(dense(x))) W^T + b. Both products
// (dense with its activation fused, and the vocabulary projection T [rows, E] W^T + b) run
// through ops::linear on the caller's OpContext (the model's kernel table and thread pool), all
// rows of a call in one product each, in float as the encoder's layers; the LayerNorm's
// statistics are in double. load() packs every
// product's weights for `table`, the kernel table of the model the head runs on.
#pragma once

#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "heads/head_common.h"
#include "kernels/packed_weights.h"
#include "lightbert/config.h"

namespace lightbert::heads {

struct MaskedLmHead {
  Linear dense;                          // [E, H] (E = H for BERT, RoBERTa, DistilBERT)
  std::vector<float> ln_gamma, ln_beta;  // [E]
  kernels::PackedWeights decoder;        // [V, E] with the bias [V], packed for the fp32 GEMM
  int vocab_size = 0;
  Activation act = Activation::kGelu;
  double eps = 1e-12;

  // From `ck`, the Model's head_checkpoint() (models/model_source.h: the weights it opened once);
  // `dir` names the model in messages.
  static MaskedLmHead load(const formats::Checkpoint& ck, const std::string& dir,
                           const ModelConfig& config, const kernels::KernelTable& table);
  // outs[i]: [vocab_size] logits for hidden_rows[i] ([H] each), all rows in one product.
  void logits(const ops::OpContext& ctx, const std::vector<const float*>& hidden_rows,
              const std::vector<float*>& outs) const;
};

}  // namespace lightbert::heads
