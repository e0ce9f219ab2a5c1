// api/tasks.cpp: SequenceClassifier, similarity() and TokenClassifier (tasks.h) over the heads in
// src/heads/.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "api/head_context.h"
#include "api/model_heads.h"
#include "api/task_encode.h"
#include "heads/classification.h"
#include "models/pooling.h"
#include "heads/token_classification.h"
#include "lightbert/error.h"
#include "lightbert/tasks.h"

namespace lightbert {

// ---- SequenceClassifier ---------------------------------------------------------------------
struct SequenceClassifier::Impl {
  Model* model;
  const heads::ClassificationHead& head;  // the model's (api/model_heads.h)
};

SequenceClassifier::SequenceClassifier(Model& model)
    : impl_(new Impl{&model, detail::model_heads(model).classifier(model)}) {}
SequenceClassifier::~SequenceClassifier() = default;

bool SequenceClassifier::multi_label() const {
  return impl_->head.sigmoid;
}
const std::vector<std::string>& SequenceClassifier::labels() const {
  return impl_->head.labels;
}

std::vector<Classification> SequenceClassifier::classify(const std::vector<TextInput>& inputs,
                                                         bool truncate) {
  EncoderOutput out;
  detail::encode_for_task(*impl_->model, inputs, truncate, out);
  std::vector<Classification> result(inputs.size());
  classify_rows(out, 0, inputs.size(), result.data());
  return result;
}

void SequenceClassifier::classify_rows(const EncoderOutput& out, size_t first, size_t count,
                                       Classification* result) {
  const auto& head = impl_->head;
  const size_t l = head.labels.size(), h = static_cast<size_t>(out.hidden_size);
  // Every sequence's input row (pooler output, else its first token) in one [B, H] matrix.
  std::vector<float> rows(count * h), logits(count * l), all_scores(count * l);
  for (size_t i = 0; i < count; ++i) {
    const float* in =
        head.uses_pooler ? out.pooler_output.data() + (first + i) * h : out.token(first + i, 0);
    std::copy(in, in + h, rows.data() + i * h);
  }
  const auto n = static_cast<int64_t>(count), hs = static_cast<int64_t>(h);
  head.run(detail::head_context(*impl_->model), tensor::ConstMatrixView{rows.data(), n, hs, hs},
           logits.data(), all_scores.data());
  for (size_t i = 0; i < count; ++i) {
    result[i].logits.assign(logits.begin() + i * l, logits.begin() + (i + 1) * l);
    result[i].labels.clear();
    const float* scores = all_scores.data() + i * l;
    std::vector<size_t> order(l);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    for (size_t j : order) result[i].labels.push_back({head.labels[j], scores[j]});
  }
}

std::vector<float> similarity(Model& model, const std::vector<TextInput>& inputs, bool truncate) {
  std::vector<TextInput> singles;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].text_pair) {
      throw Error(ErrorCode::kInvalidArgument,
                  "input " + std::to_string(i) + ": similarity needs 'text' and 'text_pair'");
    }
    singles.push_back({inputs[i].text, std::nullopt});
    singles.push_back({*inputs[i].text_pair, std::nullopt});
  }
  std::vector<std::vector<float>> emb;
  try {
    emb = model.embed(singles, model.default_embedding(), truncate);
  } catch (const Error& e) {
    // Model::embed names "input J" of the flattened list; J / 2 is the caller's input.
    std::string msg = e.what();
    if (msg.compare(0, 6, "input ") == 0) {
      size_t digits = 6;
      while (digits < msg.size() && std::isdigit(static_cast<unsigned char>(msg[digits]))) ++digits;
      if (digits > 6) {
        const size_t j = std::stoul(msg.substr(6, digits - 6));
        msg = "input " + std::to_string(j / 2) + ": " + (j % 2 ? "text_pair" : "text") +
              msg.substr(digits);
      }
    }
    throw Error(e.code(), msg);
  }
  std::vector<float> sims(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<float>& a = emb[2 * i];
    const std::vector<float>& b = emb[2 * i + 1];
    double ab = 0, aa = 0, bb = 0;
    for (size_t j = 0; j < a.size(); ++j) {
      ab += static_cast<double>(a[j]) * b[j];
      aa += static_cast<double>(a[j]) * a[j];
      bb += static_cast<double>(b[j]) * b[j];
    }
    // sentence_transformers.util.cos_sim: normalize (eps 1e-12 per norm) then dot.
    sims[i] =
        static_cast<float>(ab / (std::max(std::sqrt(aa), 1e-12) * std::max(std::sqrt(bb), 1e-12)));
  }
  return sims;
}

// ---- TokenClassifier ------------------------------------------------------------------------
const char* aggregation_name(Aggregation a) noexcept {
  switch (a) {
    case Aggregation::kNone:
      return "none";
    case Aggregation::kSimple:
      return "simple";
    case Aggregation::kFirst:
      return "first";
    case Aggregation::kMax:
      return "max";
    case Aggregation::kAverage:
      return "average";
  }
  return "?";
}

Aggregation parse_aggregation(const std::string& name) {
  for (Aggregation a : {Aggregation::kNone, Aggregation::kSimple, Aggregation::kFirst,
                        Aggregation::kMax, Aggregation::kAverage}) {
    if (name == aggregation_name(a)) return a;
  }
  throw Error(ErrorCode::kInvalidArgument,
              "aggregation must be none, simple, first, max or average, got '" + name + "'");
}

struct TokenClassifier::Impl {
  Model* model;
  const heads::TokenClassificationHead& head;  // the model's (api/model_heads.h)
};

TokenClassifier::TokenClassifier(Model& model)
    : impl_(new Impl{&model, detail::model_heads(model).token_classifier(model)}) {}
TokenClassifier::~TokenClassifier() = default;

bool TokenClassifier::has_crf() const {
  return impl_->head.crf.has_value();
}
const std::vector<std::string>& TokenClassifier::labels() const {
  return impl_->head.labels;
}

void TokenClassifier::check_aggregation(Aggregation aggregation) const {
  if (impl_->head.crf &&
      (aggregation == Aggregation::kMax || aggregation == Aggregation::kAverage)) {
    throw Error(ErrorCode::kInvalidArgument, std::string("aggregation '") +
                                                 aggregation_name(aggregation) +
                                                 "' is not defined with a CRF; use none, simple "
                                                 "or first");
  }
}

std::vector<TokenClassification> TokenClassifier::classify(const std::vector<std::string>& texts,
                                                           Aggregation aggregation, bool truncate) {
  check_aggregation(aggregation);
  std::vector<TextInput> inputs;
  for (const std::string& t : texts) inputs.push_back({t, std::nullopt});
  EncoderOutput out;
  const std::vector<Encoding> enc = detail::encode_for_task(*impl_->model, inputs, truncate, out);
  std::vector<TokenClassification> result(texts.size());
  classify_rows(out, 0, texts.size(), texts.data(), enc.data(), aggregation, result.data());
  return result;
}

void TokenClassifier::classify_rows(const EncoderOutput& out, size_t first, size_t count,
                                    const std::string* texts, const Encoding* enc,
                                    Aggregation aggregation, TokenClassification* result) {
  check_aggregation(aggregation);
  const auto& head = impl_->head;
  const size_t l = head.labels.size();
  // Every token of these (padding-free, consecutive) sequences in one product.
  const auto row0 = static_cast<size_t>(out.row_offsets[first]);
  const auto total = static_cast<size_t>(out.row_offsets[first + count]) - row0;
  std::vector<float> logits(total * l);
  head.logits(detail::head_context(*impl_->model), out.token(first, 0), total, logits.data());
  for (size_t i = 0; i < count; ++i) {
    TokenClassification& r = result[i];
    const size_t n = enc[i].size();
    const size_t at = (static_cast<size_t>(out.row_offsets[first + i]) - row0) * l;
    r.logits.assign(logits.begin() + at, logits.begin() + at + n * l);
    head.tags(r.logits.data(), n, r.tags);
    r.entities = heads::entities(head, impl_->model->tokenizer(), texts[i], enc[i], r.logits,
                                 r.tags, aggregation);
    r.encoding = enc[i];
  }
}

}  // namespace lightbert
