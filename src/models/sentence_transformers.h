// models/sentence_transformers.h: the embedding settings of a sentence-transformers folder.
// Contract: read_sentence_transformers(dir) returns nullopt when dir has no modules.json;
// otherwise the pooling mode of its Pooling module (1_Pooling/config.json), the Dense modules
// that follow it (in order), whether a Normalize module follows, and sentence_bert_config.json's
// max_seq_length (0 when absent). A Dense module (type sentence_transformers.models.Dense) reads
// PATH/config.json {in_features, out_features, bias (default true), activation_function
// "torch.nn.modules.activation.Tanh" (default) or "torch.nn.modules.linear.Identity"} and
// PATH/model.safetensors, else PATH/pytorch_model.bin (linear.weight [out, in], linear.bias
// [out]; F32/F16/BF16); the first Dense takes hidden_size features (checked by the caller), each
// next one the previous one's out_features. Malformed files, unsupported modules
// or fields (another activation, mean_sqrt_len or weighted-mean pooling) are lightbert::Error
// naming the file and field.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lightbert/types.h"

namespace lightbert::models {

struct SentenceTransformersConfig {
  EmbeddingOptions embedding;
  std::vector<DenseModule> dense;  // applied after pooling, before normalisation
  int max_seq_length = 0;
};

std::optional<SentenceTransformersConfig> read_sentence_transformers(const std::string& dir);

// One Dense module folder (dir/sub): config.json + model.safetensors.
DenseModule read_dense_module(const std::string& dir, const std::string& sub);

}  // namespace lightbert::models
