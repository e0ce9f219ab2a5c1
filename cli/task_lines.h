// cli/task_lines.h: shared input/output helpers of the task-head commands (classify, similarity,
// ner, qa, fill-mask).
// Contract: read_text_batch() reads up to `batch_size` non-empty stdin lines {"text"(,
// "text_pair")} (a pair only when `allow_pair`), naming the line in every error; false at end
// of input. on_lines() runs `fn` and rewrites a lightbert::Error that names "input I: " of the
// batch as "stdin line N: ". load_task_model() loads --model (a folder, a .lbt file or a hub
// name from the cache) with --threads (parse the other options first, so a bad one fails before the
// load). run_text_lines() is the whole stdin loop of a head command: batches of --batch-size lines,
// `run(batch)` gives one result per line and `write(result, out)` appends that line's JSON (without
// the newline); with `model` given and stderr a terminal, a progress line (cli/progress.h) counts
// the lines and their tokens (tokenized once more, only then). The writers print Hugging Face
// pipeline field names.
#pragma once

#include <iostream>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "jsonl.h"
#include "progress.h"
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

std::unique_ptr<Model> load_task_model(const Args& args);
size_t batch_size_arg(const Args& args);  // --batch-size, default 32

// Tokens of the batch's inputs, truncated at the model's maximum (for the progress line).
size_t count_tokens(const Model& model, const TextBatch& batch);

template <typename Run, typename Write>
int run_text_lines(size_t batch_size, bool allow_pair, Run&& run, Write&& write,
                   const Model* model = nullptr, const char* what = "lightbert") {
  std::ios::sync_with_stdio(false);
  Progress progress(what);
  TextBatch batch;
  size_t line_no = 0;
  std::string text;
  while (read_text_batch(std::cin, batch_size, allow_pair, line_no, batch)) {
    const auto results = on_lines(batch.line_nos, [&] { return run(batch); });
    for (const auto& r : results) {
      text.clear();
      write(r, text);
      text += '\n';
      std::cout << text;
      check_output(std::cout);
    }
    if (progress.active()) {
      progress.add(batch.inputs.size(), model != nullptr ? count_tokens(*model, batch) : 0);
    }
  }
  progress.finish();
  std::cout.flush();
  check_output(std::cout);
  return 0;
}

// The JSON of entities, answers and mask predictions: server/head_json.h (one writer for both).
using server::append_answer;
using server::append_entity;
inline void append_predictions(std::string& out, const std::vector<MaskPrediction>& p) {
  server::append_mask_predictions(out, p);
}

}  // namespace lightbert::cli
