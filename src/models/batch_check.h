// models/batch_check.h: validation of a ragged SequenceBatch against a model's limits.
// Contract: check_batch throws lightbert::Error naming the sequence index and the bad value for:
// an empty batch, a length < 1, lengths that do not add up to input_ids.size(), token_type_ids
// neither empty nor the same size as input_ids, an id outside [0, vocab_size), a token type
// outside [0, type_vocab_size) (not checked, and ignored by the forward, when type_vocab_size is
// 0: DistilBERT), a length above config.max_input_length() (max_position_embeddings minus the
// RoBERTa position offset; the message names both). It fills `offsets` with
// the first row of each sequence (size num_sequences + 1) without allocating once its capacity
// suffices.
#pragma once

#include <cstdint>
#include <vector>

#include "lightbert/config.h"
#include "lightbert/types.h"

namespace lightbert::models {

void check_batch(const SequenceBatch& batch, const ModelConfig& config,
                 std::vector<int64_t>& offsets);

}  // namespace lightbert::models
