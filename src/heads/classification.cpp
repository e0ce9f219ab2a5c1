// heads/classification.cpp: see classification.h.
#include "heads/classification.h"

#include <cmath>

#include "lightbert/error.h"

namespace lightbert::heads {

ClassificationHead ClassificationHead::load(const std::string& dir, const ModelConfig& config,
                                            bool has_pooler) {
  const std::string task = "sequence classification";
  require_task(dir, config, task, {"ForSequenceClassification"});
  formats::Checkpoint ck = open_head_checkpoint(dir);
  const int h = config.hidden_size;
  const formats::ClassifierLayout& layout = head_family(dir, config, task).classifier;
  ClassificationHead head;
  head.uses_pooler = layout.uses_pooler;
  if (!layout.dense.empty()) {
    head.dense = read_linear(ck, layout.dense, h, h, task, config);
    head.dense_act = head_activation(layout.dense_act, config);
  }
  head.classifier = read_linear(ck, layout.out, -1, h, task, config);
  if (layout.uses_pooler && !has_pooler) {
    throw Error(ErrorCode::kNotFound, dir + ": the " + task +
                                          " head needs the pooler (tensor 'pooler.dense.weight'), "
                                          "absent from the checkpoint");
  }
  head.sigmoid = config.problem_type == "multi_label_classification" || head.classifier.out == 1;
  for (int i = 0; i < head.classifier.out; ++i) head.labels.push_back(label_name(config, i));
  return head;
}

void ClassificationHead::run(const float* input, float* logits, float* scores) const {
  std::vector<float> mid;
  if (dense) {
    mid.resize(static_cast<size_t>(dense->out));
    dense->apply(input, mid.data());
    for (float& x : mid) x = static_cast<float>(activate(dense_act, x));
    input = mid.data();
  }
  classifier.apply(input, logits);
  const size_t n = static_cast<size_t>(classifier.out);
  if (sigmoid) {
    for (size_t i = 0; i < n; ++i) scores[i] = heads::sigmoid(logits[i]);
  } else {
    softmax(logits, n, scores);
  }
}

}  // namespace lightbert::heads
