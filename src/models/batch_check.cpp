// models/batch_check.cpp: see batch_check.h.
#include "models/batch_check.h"

#include <string>

#include "lightbert/error.h"

namespace lightbert::models {

void check_batch(const SequenceBatch& batch, const ModelConfig& config,
                 std::vector<int64_t>& offsets) {
  const size_t n = batch.lengths.size();
  if (n == 0) throw Error(ErrorCode::kInvalidArgument, "empty batch: no sequences");
  offsets.resize(n + 1);
  offsets[0] = 0;
  for (size_t s = 0; s < n; ++s) {
    const int64_t len = batch.lengths[s];
    if (len < 1) {
      throw Error(ErrorCode::kInvalidArgument, "sequence " + std::to_string(s) + ": length " +
                                                   std::to_string(len) + " (must be >= 1)");
    }
    if (len > config.max_input_length()) {
      std::string limit =
          "max_position_embeddings " + std::to_string(config.max_position_embeddings);
      if (config.position_offset != 0) {
        limit = "the maximum length " + std::to_string(config.max_input_length()) + " (" + limit +
                " minus the position offset pad_token_id + 1 = " +
                std::to_string(config.position_offset) + ")";
      }
      throw Error(ErrorCode::kOutOfRange, "sequence " + std::to_string(s) + ": length " +
                                              std::to_string(len) + " exceeds " + limit);
    }
    offsets[s + 1] = offsets[s] + len;
  }
  const int64_t total = offsets[n];
  if (static_cast<int64_t>(batch.input_ids.size()) != total) {
    throw Error(ErrorCode::kInvalidArgument,
                "batch: input_ids has " + std::to_string(batch.input_ids.size()) +
                    " ids but the lengths add up to " + std::to_string(total));
  }
  // A model without token-type embeddings (type_vocab_size 0) ignores the types.
  const bool has_types = !batch.token_type_ids.empty() && config.type_vocab_size > 0;
  if (!batch.token_type_ids.empty() && batch.token_type_ids.size() != batch.input_ids.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "batch: token_type_ids has " + std::to_string(batch.token_type_ids.size()) +
                    " entries, input_ids " + std::to_string(batch.input_ids.size()));
  }
  for (size_t s = 0; s < n; ++s) {
    for (int64_t t = offsets[s]; t < offsets[s + 1]; ++t) {
      const int32_t id = batch.input_ids[static_cast<size_t>(t)];
      if (id < 0 || id >= config.vocab_size) {
        throw Error(ErrorCode::kOutOfRange, "sequence " + std::to_string(s) + ", position " +
                                                std::to_string(t - offsets[s]) + ": input id " +
                                                std::to_string(id) + " outside [0, " +
                                                std::to_string(config.vocab_size) + ")");
      }
      if (has_types) {
        const int32_t type = batch.token_type_ids[static_cast<size_t>(t)];
        if (type < 0 || type >= config.type_vocab_size) {
          throw Error(ErrorCode::kOutOfRange, "sequence " + std::to_string(s) + ", position " +
                                                  std::to_string(t - offsets[s]) + ": token type " +
                                                  std::to_string(type) + " outside [0, " +
                                                  std::to_string(config.type_vocab_size) + ")");
        }
      }
    }
  }
}

}  // namespace lightbert::models
