// heads/sentence_transformers.h: the embedding settings of a sentence-transformers folder.
// Contract: read_sentence_transformers(dir) returns nullopt when dir has no modules.json;
// otherwise the pooling mode of its Pooling module (1_Pooling/config.json), whether a Normalize
// module follows, and sentence_bert_config.json's max_seq_length (0 when absent). Malformed
// files or unsupported modules (a Dense layer, mean_sqrt_len or weighted-mean pooling) are
// lightbert::Error naming the file and field.
#pragma once

#include <optional>
#include <string>

#include "lightbert/model.h"

namespace lightbert::heads {

struct SentenceTransformersConfig {
  EmbeddingOptions embedding;
  int max_seq_length = 0;
};

std::optional<SentenceTransformersConfig> read_sentence_transformers(const std::string& dir);

}  // namespace lightbert::heads
