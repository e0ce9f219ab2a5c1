// cli/task_lines.h: shared input/output helpers of the task-head commands (classify, similarity,
// ner, qa, fill-mask).
// Contract: read_text_batch() reads up to `batch_size` non-empty stdin lines {"text"(,
// "text_pair")} (a pair only when `allow_pair`), naming the line in every error; false at end
// of input. on_lines() runs `fn` and rewrites a lightbert::Error that names "input I: " of the
// batch as "stdin line N: ". The writers print Hugging Face pipeline field names.
#pragma once

#include <istream>
#include <string>
#include <vector>
#include "server/head_json.h"

#include "lightbert/error.h"
#include "lightbert/model.h"
#include "lightbert/tasks.h"

namespace lightbert::cli {

struct TextBatch {
  std::vector<TextInput> inputs;
  std::vector<size_t> line_nos;
  std::vector<std::string> texts() const;
};

bool read_text_batch(std::istream& in, size_t batch_size, bool allow_pair, size_t& line_no,
                     TextBatch& batch);

Error with_line(const Error& e, const std::vector<size_t>& line_nos);

template <typename Fn>
auto on_lines(const std::vector<size_t>& line_nos, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    throw with_line(e, line_nos);
  }
}

// The JSON of entities, answers and mask predictions: server/head_json.h (one writer for both).
using server::append_answer;
using server::append_entity;
inline void append_predictions(std::string& out, const std::vector<MaskPrediction>& p) {
  server::append_mask_predictions(out, p);
}

}  // namespace lightbert::cli
