// heads/question_answering.cpp: see question_answering.h.
#include "heads/question_answering.h"

#include <algorithm>
#include <cmath>

#include "lightbert/error.h"

namespace lightbert::heads {

namespace {

// Softmax over the positions where `keep` is set (the others get 0).
std::vector<double> masked_softmax(const float* x, const std::vector<bool>& keep) {
  double m = -INFINITY;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i]) m = std::max(m, static_cast<double>(x[i]));
  }
  std::vector<double> p(keep.size(), 0.0);
  double sum = 0.0;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i]) sum += p[i] = std::exp(static_cast<double>(x[i]) - m);
  }
  for (double& v : p) v /= sum;
  return p;
}

}  // namespace

QaHead QaHead::load(const formats::Checkpoint& ck, const std::string& dir,
                    const ModelConfig& config, const kernels::KernelTable& table) {
  const std::string task = "question answering";
  require_task(dir, config, task, {"ForQuestionAnswering"});
  QaHead h;
  h.qa_outputs = read_linear(ck, head_family(dir, config, task).qa_outputs, 2, config.hidden_size,
                             task, config, table);
  return h;
}

void QaHead::run(const ops::OpContext& ctx, const float* hidden, size_t tokens, float* start,
                 float* end) const {
  const auto n = static_cast<int64_t>(tokens);
  std::vector<float> y(tokens * 2);  // [T, 2]
  qa_outputs.apply(ctx, tensor::ConstMatrixView{hidden, n, qa_outputs.in, qa_outputs.in},
                   tensor::MatrixView{y.data(), n, 2, 2});
  for (size_t t = 0; t < tokens; ++t) {
    start[t] = y[2 * t];
    end[t] = y[2 * t + 1];
  }
}

std::vector<Answer> best_spans(const Encoding& window, const float* start_logits,
                               const float* end_logits, int32_t cls_id, int top_k,
                               int max_answer_len, const std::string& context,
                               const std::vector<size_t>& cp, int window_index) {
  const size_t n = window.size();
  std::vector<bool> desired(n);
  for (size_t i = 0; i < n; ++i) {
    desired[i] = window.sequence_ids[i] == 1 || window.input_ids[i] == cls_id;
  }
  std::vector<double> ps = masked_softmax(start_logits, desired);
  std::vector<double> pe = masked_softmax(end_logits, desired);
  ps[0] = pe[0] = 0.0;
  struct Span {
    double score;
    size_t s, e;
  };
  std::vector<Span> spans;
  for (size_t s = 1; s < n; ++s) {
    if (!desired[s] || window.sequence_ids[s] != 1) continue;
    for (size_t e = s; e < n && e < s + static_cast<size_t>(max_answer_len); ++e) {
      if (window.sequence_ids[e] == 1) spans.push_back({ps[s] * pe[e], s, e});
    }
  }
  const size_t k = std::min(spans.size(), static_cast<size_t>(std::max(top_k, 0)));
  std::partial_sort(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(k), spans.end(),
                    [](const Span& a, const Span& b) {
                      if (a.score != b.score) return a.score > b.score;
                      return a.s != b.s ? a.s < b.s : a.e < b.e;
                    });
  std::vector<Answer> out;
  for (size_t i = 0; i < k; ++i) {
    const Span& sp = spans[i];
    // word_to_chars of the start and end words, within this window's context tokens.
    const int32_t ws = window.word_ids[sp.s], we = window.word_ids[sp.e];
    int32_t begin = window.offsets[sp.s].first, end = window.offsets[sp.e].second;
    bool found_begin = false;
    for (size_t t = 0; t < n; ++t) {
      if (window.sequence_ids[t] != 1) continue;
      if (window.word_ids[t] == ws && !found_begin) {
        begin = window.offsets[t].first;
        found_begin = true;
      }
      if (window.word_ids[t] == we) end = window.offsets[t].second;
    }
    Answer a;
    a.score = static_cast<float>(sp.score);
    a.start = begin;
    a.end = end;
    a.window = window_index;
    a.start_token = static_cast<int32_t>(sp.s);
    a.end_token = static_cast<int32_t>(sp.e);
    const size_t b = std::min(static_cast<size_t>(std::max(begin, 0)), cp.size() - 1);
    const size_t e = std::min(static_cast<size_t>(std::max(end, 0)), cp.size() - 1);
    a.answer = context.substr(cp[b], cp[std::max(b, e)] - cp[b]);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace lightbert::heads
