// heads/classification.h: BertForSequenceClassification's head and the text-classification
// pipeline's scores.
// Contract: load() reads classifier.weight [L, H] and classifier.bias [L] (top level; L from
// the tensor) and needs the encoder's pooler; logits = pooler_output W^T + b. Scores follow
// Hugging Face's TextClassificationPipeline: sigmoid when problem_type is
// "multi_label_classification" or L == 1, else softmax. Labels come from id2label (LABEL_i).
#pragma once

#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "heads/head_common.h"
#include "lightbert/config.h"

namespace lightbert::heads {

struct ClassificationHead {
  Linear classifier;
  bool sigmoid = false;
  std::vector<std::string> labels;

  static ClassificationHead load(const std::string& dir, const ModelConfig& config,
                                 bool has_pooler);
  // pooled [H] -> logits [L], scores [L].
  void run(const float* pooled, float* logits, float* scores) const;
};

}  // namespace lightbert::heads
