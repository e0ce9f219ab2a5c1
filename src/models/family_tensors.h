// models/family_tensors.h: the checkpoint readers of the non-BERT families, and the helpers they
// share, each mapping Hugging Face's names onto EncoderTensors (models/encoder_tensors.h).
// Contract: names are canonical, without the base-model prefix (model_families.h sets the
// Checkpoint's prefixes from the family table row: "roberta.", "distilbert.", ...); every
// tensor is shape-checked against the config and a missing or mis-shaped one throws
// lightbert::Error naming it. Tensors the encoder does not use (task heads) are ignored.
//  - read_roberta_tensors (roberta_tensors.cpp): BERT names; positions offset by pad + 1.
//  - read_distilbert_tensors (distilbert_tensors.cpp): transformer.layer.N.*; no token types, no
//    pooler; a sinusoidal position table left out of the file is computed.
//  - read_electra_tensors (electra_tensors.cpp): embedding_size-wide embeddings, projected by
//    embeddings_project when embedding_size != hidden_size; no pooler.
//  - read_albert_tensors (albert_tensors.cpp): num_hidden_groups x inner_group_num shared layers,
//    embedding_hidden_mapping_in, optional pooler "pooler".
#pragma once

#include <string>

#include "formats/checkpoint.h"
#include "lightbert/config.h"
#include "models/encoder_tensors.h"

namespace lightbert::models {

EncoderTensors read_roberta_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config);
EncoderTensors read_distilbert_tensors(const formats::Checkpoint& checkpoint,
                                       const ModelConfig& config);
EncoderTensors read_electra_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config);
EncoderTensors read_albert_tensors(const formats::Checkpoint& checkpoint,
                                   const ModelConfig& config);

// Where a family keeps the pieces of one post-LN layer, relative to the layer's prefix.
struct LayerNames {
  const char* query;
  const char* key;
  const char* value;
  const char* attn_output;  // Linear after attention
  const char* attn_ln;      // LayerNorm after attention (+ residual)
  const char* intermediate;
  const char* output;
  const char* out_ln;
};

extern const LayerNames kBertLayerNames;  // attention.self.query, ..., output.LayerNorm

// One layer `prefix` + names, keeping `num_heads` heads (head_dim from the config).
LayerTensors read_layer_tensors(const formats::Checkpoint& checkpoint, const std::string& prefix,
                                const LayerNames& names, const ModelConfig& config, int num_heads);

// embeddings.{word,position}_embeddings, optional token_type_embeddings (when
// config.type_vocab_size > 0) and embeddings.LayerNorm, `width` columns each; position_offset
// from the config. The position table is skipped when `read_positions` is false.
void read_embedding_tensors(const formats::Checkpoint& checkpoint, const ModelConfig& config,
                            int64_t width, bool read_positions, EncoderTensors& out);

}  // namespace lightbert::models
