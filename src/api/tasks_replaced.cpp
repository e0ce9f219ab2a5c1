// api/tasks_replaced.cpp: ReplacedTokenDetector (tasks.h) over heads/discriminator.h.
#include "api/head_context.h"
#include "api/model_heads.h"
#include "api/task_encode.h"
#include "heads/discriminator.h"
#include "lightbert/tasks.h"

namespace lightbert {

struct ReplacedTokenDetector::Impl {
  Model* model;
  const heads::DiscriminatorHead& head;  // the model's (api/model_heads.h)
};

ReplacedTokenDetector::ReplacedTokenDetector(Model& model)
    : impl_(new Impl{&model, detail::model_heads(model).discriminator(model)}) {}
ReplacedTokenDetector::~ReplacedTokenDetector() = default;

std::vector<ReplacedTokens> ReplacedTokenDetector::detect(const std::vector<std::string>& texts,
                                                          bool truncate) {
  std::vector<TextInput> inputs;
  for (const std::string& t : texts) inputs.push_back({t, std::nullopt});
  EncoderOutput out;
  std::vector<Encoding> enc = detail::encode_for_task(*impl_->model, inputs, truncate, out);
  // Every token of the (padding-free) batch in one product.
  const auto total = static_cast<size_t>(out.row_offsets.back());
  std::vector<float> logits(total);
  impl_->head.run(detail::head_context(*impl_->model), out.token(0, 0), total, logits.data());
  std::vector<ReplacedTokens> result(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    ReplacedTokens& r = result[i];
    const size_t n = enc[i].size();
    const auto first = static_cast<size_t>(out.row_offsets[i]);
    r.logits.assign(logits.begin() + first, logits.begin() + first + n);
    for (size_t t = 0; t < n; ++t) {
      if (enc[i].sequence_ids[t] < 0) continue;  // [CLS], [SEP], <s>, </s>
      TokenScore s;
      s.token = enc[i].tokens[t];
      s.logit = r.logits[t];
      s.score = heads::sigmoid(r.logits[t]);
      s.index = static_cast<int32_t>(t);
      s.start = enc[i].offsets[t].first;
      s.end = enc[i].offsets[t].second;
      r.tokens.push_back(std::move(s));
    }
    r.encoding = std::move(enc[i]);
  }
  return result;
}

}  // namespace lightbert
