// models/encoder_tensors.h: an encoder's weights as plain fp32 arrays, by role, before packing.
// Contract: every model family's reader (read_bert_tensors, ...) maps its checkpoint names onto
// this one layout, shape-checked against the config (lightbert::Error naming the tensor
// otherwise). Transforms (models/encoder_transforms.h) edit it: head pruning, layer dropping.
// pack_encoder (models/bert_weights.h) then converts it once into the kernels' layout and dtype.
// Linear weights are [out, in] row-major as in PyTorch's nn.Linear; Q, K and V are stacked into
// one [3 * heads * head_dim, hidden] product (rows: Q, then K, then V; head-major in each).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "lightbert/config.h"

namespace lightbert::models {

struct LinearTensors {
  int64_t out = 0;
  int64_t in = 0;
  std::vector<float> weight;  // [out, in]
  std::vector<float> bias;    // [out]
  // The checkpoint names (without ".weight", after the family's prefix) of the Linears this
  // product holds: one, or query / key / value for the stacked qkv. `--keep-float` matches them.
  std::vector<std::string> names;
  bool keep_float = false;  // packed fp32 whatever the encoder's dtype (models/keep_float.h)
};

struct LayerTensors {
  int num_heads = 0;          // heads this layer keeps (head_dim from the config)
  LinearTensors qkv;          // [3 * num_heads * head_dim, hidden]
  LinearTensors attn_output;  // [hidden, num_heads * head_dim]
  std::vector<float> attn_ln_gamma, attn_ln_beta;  // [hidden]
  LinearTensors intermediate;                      // [intermediate, hidden]
  LinearTensors output;                            // [hidden, intermediate]
  std::vector<float> out_ln_gamma, out_ln_beta;    // [hidden]
};

struct EncoderTensors {
  int64_t embedding_size = 0;                         // width of the embedding tables
  int64_t position_offset = 0;                        // first position row used (RoBERTa: pad + 1)
  std::vector<float> word_embeddings;                 // [vocab, embedding_size]
  bool word_embeddings_keep_float = false;  // int8: keep the table fp32 (models/keep_float.h)
  std::vector<float> position_embeddings;             // [max_positions, embedding_size]
  std::vector<float> token_type_embeddings;           // [type_vocab, embedding_size]; may be empty
  std::vector<float> emb_ln_gamma, emb_ln_beta;       // [embedding_size]
  std::optional<LinearTensors> embedding_projection;  // [hidden, embedding_size] when E != H
  std::vector<LayerTensors> layers;                   // distinct layer weights
  std::vector<int> layer_order;         // per depth, the index into `layers` it runs (sharing)
  std::optional<LinearTensors> pooler;  // [hidden, hidden]
};

// Reads a BERT checkpoint (canonical Hugging Face BertModel names; the Checkpoint resolves the
// "bert." prefix and LayerNorm.gamma/beta). Pruned layers (config.pruned_heads) are expected
// with their smaller attention shapes, as Hugging Face saves them. The pooler is optional:
// absent both pooler.dense.weight and .bias -> none; only one of them -> Error naming the other.
EncoderTensors read_bert_tensors(const formats::Checkpoint& checkpoint, const ModelConfig& config);

// Shared helpers for family readers: a tensor of the given shape, and a Linear (weight + bias).
std::vector<float> read_tensor(const formats::Checkpoint& checkpoint, const std::string& name,
                               const std::vector<int64_t>& shape);
LinearTensors read_linear_tensors(const formats::Checkpoint& checkpoint, const std::string& prefix,
                                  int64_t out, int64_t in);

}  // namespace lightbert::models
