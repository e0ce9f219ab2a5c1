// heads/fill_mask.h: BertForMaskedLM's prediction head (cls.predictions) for [MASK] rows only.
// Contract: load() reads cls.predictions.transform.dense.{weight,bias} [H, H] / [H],
// cls.predictions.transform.LayerNorm.{weight,bias} (or gamma/beta) [H], the decoder weight
// [V, H] (cls.predictions.decoder.weight, else the tied embeddings.word_embeddings.weight with
// or without "bert.") and the bias [V] (cls.predictions.bias, else cls.predictions.decoder.bias).
// logits() maps one hidden row to V logits: LayerNorm(act(dense(x))) W^T + b with the config's
// hidden_act and layer_norm_eps, in double.
#pragma once

#include <string>
#include <vector>

#include "heads/head_common.h"
#include "lightbert/config.h"

namespace lightbert::heads {

struct MaskedLmHead {
  Linear dense;
  std::vector<float> ln_gamma, ln_beta;
  std::vector<float> decoder;  // [V, H]
  std::vector<float> bias;     // [V]
  int vocab_size = 0;
  Activation act = Activation::kGelu;
  double eps = 1e-12;

  static MaskedLmHead load(const std::string& dir, const ModelConfig& config);
  void logits(const float* hidden, float* out) const;  // out: [vocab_size]
};

}  // namespace lightbert::heads
