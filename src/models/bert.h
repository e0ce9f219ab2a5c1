// models/bert.h: the BERT encoder forward pass over a ragged, padding-free batch (fp32).
// Contract: BertModel::load reads DIR/config.json and the checkpoint in DIR, and packs the
// weights for the given kernel table (so tests can run every ISA; the public Encoder uses the
// process-wide active table). forward() validates the batch (models/batch_check.h), then runs
// embeddings (-> projection E to H) -> num_hidden_layers x (fused QKV, per-sequence attention,
// dense + bias + residual + LayerNorm, dense + bias + activation, dense + bias + residual +
// LayerNorm) -> pooler tanh(dense(h[CLS])), and writes EncoderOutput. Work buffers are owned by the
// model and only grow, so repeated calls at or below the largest batch seen do not allocate. One
// forward() at a time per model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "lightbert/config.h"
#include "lightbert/types.h"
#include "models/bert_weights.h"
#include "ops/attention.h"
#include "ops/op_context.h"
#include "runtime/thread_pool.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::models {

class BertModel {
 public:
  // threads: 0 = all cores. Throws lightbert::Error for a bad folder, config or tensor.
  static std::unique_ptr<BertModel> load(const std::string& dir,
                                         const kernels::KernelTable& kernels, int threads,
                                         kernels::WeightDtype dtype = kernels::WeightDtype::kF32);
  // From tensors already read (and possibly pruned / cut); `config` must describe them.
  static std::unique_ptr<BertModel> from_tensors(ModelConfig config, const EncoderTensors& tensors,
                                                 const kernels::KernelTable& kernels, int threads,
                                                 kernels::WeightDtype dtype);
  BertModel(ModelConfig config, const kernels::KernelTable& kernels, int threads);
  // Installs packed weights (pack_encoder with this model's context(), or a model file's).
  void set_weights(BertWeights weights) { weights_ = std::move(weights); }
  const ops::OpContext& context() const { return ctx_; }
  kernels::WeightDtype dtype() const { return weights_.dtype; }

  const ModelConfig& config() const { return config_; }
  bool has_pooler() const { return weights_.has_pooler; }
  const kernels::KernelTable& kernels() const { return *ctx_.kernels; }
  int threads() const { return pool_.size(); }

  void forward(const SequenceBatch& batch, EncoderOutput& out);

 private:
  void run_layer(const BertLayerWeights& lw, int64_t tokens, int64_t num_sequences,
                 float* layer_out);

  ModelConfig config_;
  runtime::ThreadPool pool_;
  ops::OpContext ctx_;
  BertWeights weights_;
  // Work buffers, grow-only.
  std::vector<int64_t> offsets_;
  tensor::AlignedBuffer embedded_;      // [T, E] embeddings before the projection (E != H)
  tensor::AlignedBuffer hidden_;        // [T, H] layer input / output
  tensor::AlignedBuffer qkv_;           // [T, 3H]
  tensor::AlignedBuffer context_;       // [T, H] attention context, then dense outputs
  tensor::AlignedBuffer attn_out_;      // [T, H] after the first LayerNorm
  tensor::AlignedBuffer intermediate_;  // [T, I]
  tensor::AlignedBuffer pooler_in_;     // [B, H] first token of each sequence
  ops::AttentionScratch attention_scratch_;
};

}  // namespace lightbert::models
