// models/bert_weights.h: an encoder's weights packed for the kernels (the run-time form).
// Contract: pack_encoder converts EncoderTensors (models/encoder_tensors.h, already
// shape-checked and transformed) into the kernel table's packed layout, each Linear stored as
// `dtype`, or fp32 where its LinearTensors::keep_float is set (models/keep_float.h; the
// BertWeights dtype stays the encoder's, each PackedWeights carries its own). LayerNorm, biases
// and position / type embeddings stay fp32; with int8 the word embeddings become int8 rows,
// word_embeddings_i8, and word_embeddings stays empty (unless EncoderTensors::
// word_embeddings_keep_float). Layers keep their own head counts
// (pruning) and the depth -> layer mapping (ALBERT-style sharing). All buffers are 64-byte
// aligned.
#pragma once

#include <vector>

#include "kernels/packed_weights.h"
#include "models/encoder_tensors.h"
#include "ops/op_context.h"
#include "quant/quantized_rows.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::models {

struct BertLayerWeights {
  int num_heads = 0;
  kernels::PackedWeights qkv;           // [3 * heads * d, H] + bias
  kernels::PackedWeights attn_output;   // [H, heads * d] + bias [H]
  tensor::AlignedBuffer attn_ln_gamma;  // [H]
  tensor::AlignedBuffer attn_ln_beta;   // [H]
  kernels::PackedWeights intermediate;  // [I, H] + bias [I]
  kernels::PackedWeights output;        // [H, I] + bias [H]
  tensor::AlignedBuffer out_ln_gamma;   // [H]
  tensor::AlignedBuffer out_ln_beta;    // [H]
};

struct BertWeights {
  kernels::WeightDtype dtype = kernels::WeightDtype::kF32;
  int64_t embedding_size = 0;
  int64_t position_offset = 0;
  tensor::AlignedBuffer word_embeddings;        // [vocab, E]; empty when word_embeddings_i8 is set
  quant::QuantizedRows word_embeddings_i8;      // int8 [vocab, E] (dtype int8)
  tensor::AlignedBuffer position_embeddings;    // [max_positions, E]
  tensor::AlignedBuffer token_type_embeddings;  // [type_vocab, E]; empty capacity when none
  tensor::AlignedBuffer emb_ln_gamma;           // [E]
  tensor::AlignedBuffer emb_ln_beta;            // [E]
  bool has_embedding_projection = false;
  kernels::PackedWeights embedding_projection;  // [H, E] + bias [H]
  std::vector<BertLayerWeights> layers;         // distinct layers
  std::vector<int> layer_order;                 // per depth, index into layers
  bool has_pooler = false;
  kernels::PackedWeights pooler;  // [H, H] + bias [H], when has_pooler
};

BertWeights pack_encoder(const EncoderTensors& tensors, const ops::OpContext& ctx,
                         kernels::WeightDtype dtype);

// Copies a float array into a 64-byte aligned buffer.
tensor::AlignedBuffer to_aligned(const std::vector<float>& v);

}  // namespace lightbert::models
