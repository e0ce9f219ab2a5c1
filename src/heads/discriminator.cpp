// heads/discriminator.cpp: see discriminator.h.
#include "heads/discriminator.h"

#include <cmath>

#include "lightbert/error.h"
#include "ops/activation.h"

namespace lightbert::heads {

DiscriminatorHead DiscriminatorHead::load(const formats::Checkpoint& ck, const std::string& dir,
                                          const ModelConfig& config,
                                          const kernels::KernelTable& table) {
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
  const int h = config.hidden_size;
  DiscriminatorHead head;
  head.dense = read_linear(ck, prefix + ".dense", h, h, task, config, table);
  head.act = config.hidden_act;
  head.prediction = read_linear(ck, prefix + ".dense_prediction", 1, h, task, config, table);
  return head;
}

void DiscriminatorHead::run(const ops::OpContext& ctx, const float* hidden, size_t n,
                            float* logits) const {
  const auto rows = static_cast<int64_t>(n);
  tensor::AlignedBuffer mid;
  const tensor::MatrixView m{mid.reserve(n * static_cast<size_t>(dense.out)), rows, dense.out,
                             dense.out};
  dense.apply(ctx, tensor::ConstMatrixView{hidden, rows, dense.in, dense.in}, m, act);
  prediction.apply(ctx, m, tensor::MatrixView{logits, rows, 1, 1});
}

}  // namespace lightbert::heads
