// heads/qa_windows.cpp: see qa_windows.h.
#include "heads/qa_windows.h"

#include <algorithm>
#include <string>

#include "lightbert/error.h"

namespace lightbert::heads {

namespace {

void append_token(Encoding& dst, const Encoding& src, size_t i) {
  dst.input_ids.push_back(src.input_ids[i]);
  dst.token_type_ids.push_back(src.token_type_ids[i]);
  dst.attention_mask.push_back(1);
  dst.tokens.push_back(src.tokens[i]);
  dst.offsets.push_back(src.offsets[i]);
  dst.sequence_ids.push_back(src.sequence_ids[i]);
  dst.word_ids.push_back(src.word_ids[i]);
}

}  // namespace

std::vector<Encoding> qa_windows(const Tokenizer& tokenizer, std::string_view question,
                                 std::string_view context, int max_length, int stride) {
  EncodeOptions opts;
  opts.truncation = false;
  const Encoding full = tokenizer.encode_pair(question, context, opts);
  // Special tokens before the question, between question and context, after the context.
  std::vector<size_t> q, c, pre, mid, post;
  for (size_t i = 0; i < full.size(); ++i) {
    if (full.sequence_ids[i] == 0) q.push_back(i);
    if (full.sequence_ids[i] == 1) c.push_back(i);
    if (full.sequence_ids[i] < 0) (q.empty() ? pre : c.empty() ? mid : post).push_back(i);
  }
  if (pre.empty() || mid.empty() || post.empty()) {
    throw Error(ErrorCode::kInternal, "qa_windows: the pair encoding lacks [CLS]/[SEP]");
  }
  if (static_cast<int>(full.size()) <= max_length) return {full};
  const int specials = static_cast<int>(pre.size() + mid.size() + post.size());
  const int piece = max_length - static_cast<int>(q.size()) - specials;
  if (piece <= 0) {
    throw Error(ErrorCode::kOutOfRange, "the question has " + std::to_string(q.size()) +
                                            " tokens, leaving no room for "
                                            "the context in " +
                                            std::to_string(max_length) + " tokens");
  }
  if (stride < 0 || stride >= piece) {
    throw Error(ErrorCode::kInvalidArgument, "doc_stride " + std::to_string(stride) +
                                                 " must be below the " + std::to_string(piece) +
                                                 " context tokens that fit in a window beside the "
                                                 "question");
  }
  std::vector<Encoding> windows;
  const size_t step = static_cast<size_t>(piece - stride);
  for (size_t begin = 0;; begin += step) {
    const size_t stop = std::min(begin + static_cast<size_t>(piece), c.size());
    Encoding w;
    for (size_t i : pre) append_token(w, full, i);
    for (size_t i : q) append_token(w, full, i);
    for (size_t i : mid) append_token(w, full, i);
    for (size_t k = begin; k < stop; ++k) append_token(w, full, c[k]);
    for (size_t i : post) append_token(w, full, i);
    windows.push_back(std::move(w));
    if (stop == c.size()) break;
  }
  return windows;
}

}  // namespace lightbert::heads
