// heads/discriminator.cpp: see discriminator.h.
#include "heads/discriminator.h"

#include <cmath>

#include "lightbert/error.h"
#include "ops/activation.h"

namespace lightbert::heads {

DiscriminatorHead DiscriminatorHead::load(const std::string& dir, const ModelConfig& config) {
  const std::string task = "replaced-token detection";
  const std::string& prefix = head_family(dir, config, task).discriminator;
  if (prefix.empty()) {
    std::string with;
    for (const formats::FamilyDescriptor& f : formats::families()) {
      if (!f.discriminator.empty()) with += (with.empty() ? "" : ", ") + f.model_type;
    }
    throw Error(ErrorCode::kUnsupported, dir + ": " + task +
                                             " needs an ELECTRA discriminator; config.json "
                                             "field 'model_type' is '" +
                                             config.model_type + "' (families with one: " + with +
                                             ")");
  }
  require_task(dir, config, task, {"ForPreTraining"});
  formats::Checkpoint ck = open_head_checkpoint(dir);
  const int h = config.hidden_size;
  DiscriminatorHead head;
  head.dense = read_linear(ck, prefix + ".dense", h, h, task, config);
  head.act = ops::kernel_activation(config.hidden_act);
  head.prediction = read_linear(ck, prefix + ".dense_prediction", 1, h, task, config);
  return head;
}

void DiscriminatorHead::run(const float* hidden, size_t n, float* logits) const {
  const size_t h = static_cast<size_t>(dense.in);
  std::vector<float> mid(static_cast<size_t>(dense.out));
  for (size_t t = 0; t < n; ++t) {
    dense.apply(hidden + t * h, mid.data());
    for (float& x : mid) x = static_cast<float>(activate(act, x));
    prediction.apply(mid.data(), logits + t);
  }
}

}  // namespace lightbert::heads
