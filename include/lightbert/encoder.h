// lightbert/encoder.h: the transformer encoder (BERT family), fp32 reference path.
// Contract: Encoder::load reads a model folder (config.json + model.safetensors or
// pytorch_model.bin, or a sharded index of either) and packs the weights once. forward() takes a ragged batch without padding (sequences
// concatenated, with their lengths) and writes the hidden state of every real token and the
// pooler output of every sequence. Outputs match Hugging Face BertModel within 1e-4 (fp32).
// Cost follows the number of real tokens. One forward() at a time per Encoder (it reuses its
// work buffers); load several Encoders, or serialise calls, for concurrency.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lightbert/config.h"

namespace lightbert {

// A ragged batch: sequences concatenated, no padding.
struct SequenceBatch {
  std::vector<int32_t> input_ids;       // sum(lengths) ids
  std::vector<int32_t> token_type_ids;  // sum(lengths) ids, or empty for all zeros
  std::vector<int32_t> lengths;         // one entry per sequence, each >= 1

  void clear() {
    input_ids.clear();
    token_type_ids.clear();
    lengths.clear();
  }
  // Appends one sequence; `types` may be empty (all zeros).
  void add(const std::vector<int32_t>& ids, const std::vector<int32_t>& types = {});
  size_t num_sequences() const { return lengths.size(); }
  size_t num_tokens() const { return input_ids.size(); }
};

struct EncoderOutput {
  int hidden_size = 0;
  std::vector<float> last_hidden_state;  // [num_tokens, hidden_size], sequences concatenated
  std::vector<float> pooler_output;      // [num_sequences, hidden_size]; empty without a pooler
  std::vector<int32_t> row_offsets;      // first row of each sequence; size num_sequences + 1

  const float* token(size_t sequence, size_t position) const {
    return last_hidden_state.data() +
           (static_cast<size_t>(row_offsets[sequence]) + position) * hidden_size;
  }
};

// The most compute threads a model may ask for (EncoderOptions / ModelOptions threads; the
// CLI's --threads); more is kInvalidArgument, not an attempt to start them.
constexpr int kMaxThreads = 1024;

struct EncoderOptions {
  int threads = 0;             // 0: all cores; at most kMaxThreads
  std::string dtype = "fp32";  // weights of the dense layers: "fp32", "bf16" or "int8"
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  // `path`: a Hugging Face model folder.
  static std::unique_ptr<Encoder> load(const std::string& path, const EncoderOptions& options = {});

  virtual const ModelConfig& config() const = 0;
  virtual bool has_pooler() const = 0;
  // Validates the batch (ids in range, lengths within max_position_embeddings, token types
  // within type_vocab_size) and throws lightbert::Error naming the offending sequence.
  virtual void forward(const SequenceBatch& batch, EncoderOutput& out) = 0;
};

}  // namespace lightbert
