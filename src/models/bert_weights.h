// models/bert_weights.h: a BERT checkpoint's tensors, shape-checked and packed for the kernels.
// Contract: load_bert_weights reads every tensor the encoder needs by its canonical Hugging Face
// BertModel name (the Checkpoint resolves "bert." prefixes and LayerNorm.gamma/beta), checks its
// shape against the config (lightbert::Error naming the tensor otherwise), converts to fp32 and
// packs each Linear once for the given kernel table (Q, K, V fused into one [3H, H] product).
// The pooler is optional: absent both pooler.dense.weight and .bias -> has_pooler false; only one
// of them present -> Error naming the missing one. All buffers are 64-byte aligned.
#pragma once

#include <vector>

#include "formats/checkpoint.h"
#include "kernels/packed_weights.h"
#include "lightbert/config.h"
#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::models {

struct BertLayerWeights {
  kernels::PackedWeights qkv;           // [3H, H] + bias [3H]
  kernels::PackedWeights attn_output;   // [H, H] + bias [H]
  tensor::AlignedBuffer attn_ln_gamma;  // [H]
  tensor::AlignedBuffer attn_ln_beta;   // [H]
  kernels::PackedWeights intermediate;  // [I, H] + bias [I]
  kernels::PackedWeights output;        // [H, I] + bias [H]
  tensor::AlignedBuffer out_ln_gamma;   // [H]
  tensor::AlignedBuffer out_ln_beta;    // [H]
};

struct BertWeights {
  tensor::AlignedBuffer word_embeddings;        // [vocab, H]
  tensor::AlignedBuffer position_embeddings;    // [max_positions, H]
  tensor::AlignedBuffer token_type_embeddings;  // [type_vocab, H]
  tensor::AlignedBuffer emb_ln_gamma;           // [H]
  tensor::AlignedBuffer emb_ln_beta;            // [H]
  std::vector<BertLayerWeights> layers;
  bool has_pooler = false;
  kernels::PackedWeights pooler;  // [H, H] + bias [H], when has_pooler
};

BertWeights load_bert_weights(const formats::Checkpoint& checkpoint, const ModelConfig& config,
                              const ops::OpContext& ctx);

}  // namespace lightbert::models
