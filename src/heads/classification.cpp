// heads/classification.cpp: see classification.h.
#include "heads/classification.h"

#include "lightbert/error.h"

namespace lightbert::heads {

ClassificationHead ClassificationHead::load(const std::string& dir, const ModelConfig& config,
                                            bool has_pooler) {
  const std::string task = "sequence classification";
  require_task(dir, config, task, {"ForSequenceClassification"});
  formats::Checkpoint ck = open_head_checkpoint(dir);
  ClassificationHead h;
  h.classifier = read_linear(ck, "classifier", -1, config.hidden_size, task, config);
  if (!has_pooler) {
    throw Error(ErrorCode::kNotFound, dir + ": the " + task +
                                          " head needs the pooler (tensor 'pooler.dense.weight'), "
                                          "absent from the checkpoint");
  }
  h.sigmoid = config.problem_type == "multi_label_classification" || h.classifier.out == 1;
  for (int i = 0; i < h.classifier.out; ++i) h.labels.push_back(label_name(config, i));
  return h;
}

void ClassificationHead::run(const float* pooled, float* logits, float* scores) const {
  classifier.apply(pooled, logits);
  const size_t n = static_cast<size_t>(classifier.out);
  if (sigmoid) {
    for (size_t i = 0; i < n; ++i) scores[i] = heads::sigmoid(logits[i]);
  } else {
    softmax(logits, n, scores);
  }
}

}  // namespace lightbert::heads
