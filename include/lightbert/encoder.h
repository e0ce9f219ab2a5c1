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
#include "lightbert/types.h"

namespace lightbert {

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
