// api/tasks_qa_mask.cpp: QuestionAnswerer and MaskFiller (tasks.h) over the heads in src/heads/.
#include <algorithm>
#include <numeric>

#include "api/head_context.h"
#include "api/model_heads.h"
#include "api/task_encode.h"
#include "heads/fill_mask.h"
#include "heads/head_common.h"
#include "heads/qa_windows.h"
#include "heads/question_answering.h"
#include "lightbert/error.h"
#include "lightbert/tasks.h"

namespace lightbert {

// ---- QuestionAnswerer -----------------------------------------------------------------------
struct QuestionAnswerer::Impl {
  Model* model;
  const heads::QaHead& head;  // the model's (api/model_heads.h)
};

QuestionAnswerer::QuestionAnswerer(Model& model)
    : impl_(new Impl{&model, detail::model_heads(model).question_answerer(model)}) {}
QuestionAnswerer::~QuestionAnswerer() = default;

QaResult QuestionAnswerer::answer(const std::string& question, const std::string& context,
                                  const QaOptions& options) {
  QaResult r = prepare(question, context, options);
  forward(r);
  select(r, context, options);
  return r;
}

QaResult QuestionAnswerer::prepare(const std::string& question, const std::string& context,
                                   const QaOptions& options) const {
  const Model& model = *impl_->model;
  const int max_seq_len =
      options.max_seq_len < 0 ? std::min(model.max_length(), 384) : options.max_seq_len;
  if (max_seq_len < 4 || max_seq_len > model.max_length()) {
    throw Error(ErrorCode::kInvalidArgument,
                "max_seq_len " + std::to_string(max_seq_len) + " must be in [4, " +
                    std::to_string(model.max_length()) + "] (the model's maximum)");
  }
  const int stride = options.doc_stride < 0 ? std::min(max_seq_len / 2, 128) : options.doc_stride;
  if (stride > max_seq_len) {
    throw Error(ErrorCode::kInvalidArgument, "doc_stride (" + std::to_string(stride) +
                                                 ") is larger than max_seq_len (" +
                                                 std::to_string(max_seq_len) + ")");
  }
  if (options.top_k < 1) throw Error(ErrorCode::kInvalidArgument, "top_k must be >= 1");
  if (options.max_answer_len < 1) {
    throw Error(ErrorCode::kInvalidArgument, "max_answer_len must be >= 1");
  }
  if (question.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument, "the question is empty");
  }
  if (context.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument, "the context is empty");
  }
  QaResult r;
  r.windows = heads::qa_windows(model.tokenizer(), question, context, max_seq_len, stride);
  return r;
}

void QuestionAnswerer::forward(QaResult& r) {
  Model& model = *impl_->model;
  EncoderOutput out;
  detail::forward_encodings(model, r.windows, out);
  r.start_logits.clear();
  r.end_logits.clear();
  forward_rows(out, 0, r.windows.size(), r, 0);
}

void QuestionAnswerer::forward_rows(const EncoderOutput& out, size_t first, size_t count,
                                    QaResult& r, size_t window) {
  if (window + count > r.windows.size()) {
    throw Error(ErrorCode::kInvalidArgument, "QuestionAnswerer::forward_rows: windows " +
                                                 std::to_string(window) + "+" +
                                                 std::to_string(count) + " of " +
                                                 std::to_string(r.windows.size()));
  }
  r.start_logits.resize(r.windows.size());
  r.end_logits.resize(r.windows.size());
  // Every token of these windows (consecutive in the padding-free batch) in one product.
  const auto row0 = static_cast<size_t>(out.row_offsets[first]);
  const auto total = static_cast<size_t>(out.row_offsets[first + count]) - row0;
  std::vector<float> start(total), end(total);
  impl_->head.run(detail::head_context(*impl_->model), out.token(first, 0), total, start.data(),
                  end.data());
  for (size_t w = 0; w < count; ++w) {
    const size_t n = r.windows[window + w].size();
    const auto at = static_cast<std::ptrdiff_t>(static_cast<size_t>(out.row_offsets[first + w]) - row0);
    const auto last = at + static_cast<std::ptrdiff_t>(n);
    r.start_logits[window + w].assign(start.begin() + at, start.begin() + last);
    r.end_logits[window + w].assign(end.begin() + at, end.begin() + last);
  }
}

void QuestionAnswerer::select(QaResult& r, const std::string& context,
                              const QaOptions& options) const {
  if (r.start_logits.size() != r.windows.size()) {
    throw Error(ErrorCode::kInvalidArgument, "QuestionAnswerer::select before forward");
  }
  const std::vector<size_t> cp = heads::code_point_offsets(context);  // once, not per window
  std::vector<Answer> all;
  for (size_t w = 0; w < r.windows.size(); ++w) {
    std::vector<Answer> a = heads::best_spans(
        r.windows[w], r.start_logits[w].data(), r.end_logits[w].data(),
        impl_->model->tokenizer().cls_id(), options.top_k, options.max_answer_len, context, cp,
        static_cast<int>(w));
    all.insert(all.end(), a.begin(), a.end());
  }
  // Python's sorted(reverse=True) is stable: equal scores keep window order.
  std::stable_sort(all.begin(), all.end(),
                   [](const Answer& a, const Answer& b) { return a.score > b.score; });
  if (all.size() > static_cast<size_t>(options.top_k)) all.resize(options.top_k);
  r.answers = std::move(all);
}

// ---- MaskFiller -----------------------------------------------------------------------------
struct MaskFiller::Impl {
  Model* model;
  const heads::MaskedLmHead& head;  // the model's (api/model_heads.h)
};

MaskFiller::MaskFiller(Model& model)
    : impl_(new Impl{&model, detail::model_heads(model).mask_filler(model)}) {}
MaskFiller::~MaskFiller() = default;

std::vector<int32_t> MaskFiller::mask_positions(const Encoding& encoding) const {
  const Tokenizer& tok = impl_->model->tokenizer();
  std::vector<int32_t> out;
  for (size_t t = 0; t < encoding.size(); ++t) {
    if (encoding.input_ids[t] == tok.mask_id()) out.push_back(static_cast<int32_t>(t));
  }
  if (out.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "no mask token (" + tok.config().mask_token + ") in the text");
  }
  return out;
}

std::vector<FillMaskResult> MaskFiller::fill(const std::vector<std::string>& texts, int top_k,
                                             bool truncate) {
  if (top_k < 1) throw Error(ErrorCode::kInvalidArgument, "top_k must be >= 1");
  std::vector<TextInput> inputs;
  for (const std::string& t : texts) inputs.push_back({t, std::nullopt});
  EncoderOutput out;
  const std::vector<Encoding> enc = detail::encode_for_task(*impl_->model, inputs, truncate, out);
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      mask_positions(enc[i]);
    } catch (const Error& e) {
      throw Error(e.code(), "input " + std::to_string(i) + ": " + e.what());
    }
  }
  std::vector<FillMaskResult> result(texts.size());
  fill_rows(out, 0, texts.size(), enc.data(), top_k, result.data());
  return result;
}

void MaskFiller::fill_rows(const EncoderOutput& out, size_t first, size_t count,
                           const Encoding* enc, int top_k, FillMaskResult* result) {
  if (top_k < 1) throw Error(ErrorCode::kInvalidArgument, "top_k must be >= 1");
  Model& model = *impl_->model;
  const Tokenizer& tok = model.tokenizer();
  const size_t v = static_cast<size_t>(impl_->head.vocab_size);
  const size_t k = std::min(static_cast<size_t>(top_k), v);
  for (size_t i = 0; i < count; ++i) {
    result[i] = FillMaskResult{};
    result[i].mask_positions = mask_positions(enc[i]);
  }
  // Every mask row of the call in one pass over the decoder (bert-base: 94 MB per pass).
  std::vector<const float*> rows;
  std::vector<float*> outs;
  for (size_t i = 0; i < count; ++i) {
    FillMaskResult& r = result[i];
    r.logits.assign(r.mask_positions.size(), std::vector<float>(v));
    for (size_t m = 0; m < r.mask_positions.size(); ++m) {
      rows.push_back(out.token(first + i, static_cast<size_t>(r.mask_positions[m])));
      outs.push_back(r.logits[m].data());
    }
  }
  impl_->head.logits(detail::head_context(model), rows, outs);
  std::vector<float> probs(v);
  std::vector<size_t> order(v);
  for (size_t i = 0; i < count; ++i) {
    FillMaskResult& r = result[i];
    const bool single = r.mask_positions.size() == 1;
    for (size_t m = 0; m < r.mask_positions.size(); ++m) {
      const int32_t pos = r.mask_positions[m];
      const std::vector<float>& logits = r.logits[m];
      heads::softmax(logits.data(), v, probs.data());
      std::iota(order.begin(), order.end(), 0);
      // torch.topk order: highest first; equal scores, lower id first.
      std::partial_sort(
          order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
          [&](size_t a, size_t b) { return probs[a] != probs[b] ? probs[a] > probs[b] : a < b; });
      std::vector<MaskPrediction> preds;
      for (size_t j = 0; j < k; ++j) {
        MaskPrediction p;
        p.token = static_cast<int32_t>(order[j]);
        p.score = probs[order[j]];
        p.token_str = tok.decode({p.token});
        std::vector<int32_t> ids;
        for (size_t t = 0; t < enc[i].size(); ++t) {
          const int32_t id = static_cast<int32_t>(t) == pos ? p.token : enc[i].input_ids[t];
          if (id != tok.pad_id()) ids.push_back(id);
        }
        // Hugging Face skips special tokens only with a single mask (else the others vanish).
        p.sequence = tok.decode(ids, single);
        preds.push_back(std::move(p));
      }
      r.predictions.push_back(std::move(preds));
    }
  }
}

}  // namespace lightbert
