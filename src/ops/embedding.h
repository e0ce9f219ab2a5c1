// ops/embedding.h: BERT input embeddings for a ragged batch.
// Contract: for token t of sequence s at position p (0-based within s),
//   out[t] = LayerNorm(word[ids[t]] + type[types[t]] + position[p + position_offset]) * gamma
//   + beta, types null meaning all zeros, a null type table meaning no type term; word rows come
//   from `word_i8` (int8 rows dequantised into out first) when it is set, else from `word`. Ids
//   and types
//   must already be validated (in range); rows
// [offsets[s], offsets[s + 1]) belong to sequence s. out is [tokens, hidden].
#pragma once

#include <cstdint>

#include "ops/op_context.h"
#include "quant/quantized_rows.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::ops {

struct EmbeddingTables {
  const float* word = nullptr;        // [vocab, hidden]
  const float* position = nullptr;    // [max_positions, hidden]
  const float* token_type = nullptr;  // [type_vocab, hidden]; null: no token-type embedding
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float eps = 1e-12f;
  int64_t position_offset = 0;  // position p reads row p + position_offset (RoBERTa)
  const quant::QuantizedRows* word_i8 = nullptr;  // int8 [vocab, hidden]: used instead of word
};

void embed(const OpContext& ctx, const EmbeddingTables& tables, const int32_t* ids,
           const int32_t* types, const int64_t* offsets, int64_t num_sequences,
           tensor::MatrixView out);

}  // namespace lightbert::ops
