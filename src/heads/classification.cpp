// heads/classification.cpp: see classification.h.
#include "heads/classification.h"

#include <cmath>

#include "lightbert/error.h"

namespace lightbert::heads {

ClassificationHead ClassificationHead::load(const formats::Checkpoint& ck, const std::string& dir,
                                            const ModelConfig& config, bool has_pooler,
                                            const kernels::KernelTable& table) {
  const std::string task = "sequence classification";
  require_task(dir, config, task, {"ForSequenceClassification"});
  const int h = config.hidden_size;
  const formats::ClassifierLayout& layout = head_family(dir, config, task).classifier;
  ClassificationHead head;
  head.uses_pooler = layout.uses_pooler;
  if (!layout.dense.empty()) {
    head.dense = read_linear(ck, layout.dense, h, h, task, config, table);
    head.dense_act = head_activation(layout.dense_act, config);
  }
  head.classifier = read_linear(ck, layout.out, -1, h, task, config, table);
  if (layout.uses_pooler && !has_pooler) {
    throw Error(ErrorCode::kNotFound, dir + ": the " + task +
                                          " head needs the pooler (tensor 'pooler.dense.weight'), "
                                          "absent from the checkpoint");
  }
  head.sigmoid = config.problem_type == "multi_label_classification" || head.classifier.out == 1;
  for (int i = 0; i < head.classifier.out; ++i) head.labels.push_back(label_name(config, i));
  return head;
}

void ClassificationHead::run(const ops::OpContext& ctx, tensor::ConstMatrixView input,
                             float* logits, float* scores) const {
  const int64_t b = input.rows, l = classifier.out;
  tensor::AlignedBuffer mid;
  if (dense) {
    float* m = mid.reserve(static_cast<size_t>(b * dense->out));
    const tensor::MatrixView y{m, b, dense->out, dense->out};
    dense->apply(ctx, input, y, dense_act);
    input = y;
  }
  classifier.apply(ctx, input, tensor::MatrixView{logits, b, l, l});
  for (int64_t r = 0; r < b; ++r) {
    const float* x = logits + r * l;
    float* s = scores + r * l;
    if (sigmoid) {
      for (int64_t i = 0; i < l; ++i) s[i] = heads::sigmoid(x[i]);
    } else {
      softmax(x, static_cast<size_t>(l), s);
    }
  }
}

}  // namespace lightbert::heads
