// cli/cmd_classify.cpp: `lightbert classify` (BertForSequenceClassification, single texts or
// cross-encoder pairs) and `lightbert similarity` (cosine of two sentence embeddings).
// classify: stdin {"text"(, "text_pair")} -> stdout [{"label","score"}, ...], the --top-k best
// (default 1; 0: every label), highest first: Hugging Face's text-classification output.
// similarity: stdin {"text","text_pair"} -> stdout {"similarity": cos}, embeddings pooled with
// the folder's settings (sentence-transformers' when present, else mean).
#include <iostream>

#include "args.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/hub.h"
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_classify(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "top-k", "batch-size", "threads"}, {"truncate"});
  const std::string dir = hub::resolve_model_path(args.require("model"));
  ModelOptions mo;
  mo.threads = args.get_int("threads", 0, 0, 1024);
  const int top_k = args.get_int("top-k", 1, 0, 1 << 20);
  const size_t batch_size = static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096));
  std::unique_ptr<Model> model = Model::load(dir, mo);
  SequenceClassifier classifier(*model);
  std::ios::sync_with_stdio(false);
  TextBatch batch;
  size_t line_no = 0;
  std::string text;
  while (read_text_batch(std::cin, batch_size, /*allow_pair=*/true, line_no, batch)) {
    const auto results = on_lines(
        batch.line_nos, [&] { return classifier.classify(batch.inputs, args.flag("truncate")); });
    for (const Classification& c : results) {
      const size_t n =
          top_k == 0 ? c.labels.size() : std::min(c.labels.size(), static_cast<size_t>(top_k));
      text = "[";
      for (size_t i = 0; i < n; ++i) {
        text += i ? ",{\"label\":" : "{\"label\":";
        append_string(text, c.labels[i].label);
        text += ",\"score\":";
        append_float(text, c.labels[i].score);
        text += "}";
      }
      text += "]\n";
      std::cout << text;
    }
  }
  std::cout.flush();
  return 0;
}

int run_similarity(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "batch-size", "threads"}, {"truncate"});
  const std::string dir = hub::resolve_model_path(args.require("model"));
  ModelOptions mo;
  mo.threads = args.get_int("threads", 0, 0, 1024);
  const size_t batch_size = static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096));
  std::unique_ptr<Model> model = Model::load(dir, mo);
  std::ios::sync_with_stdio(false);
  TextBatch batch;
  size_t line_no = 0;
  std::string text;
  while (read_text_batch(std::cin, batch_size, /*allow_pair=*/true, line_no, batch)) {
    const auto sims = on_lines(
        batch.line_nos, [&] { return similarity(*model, batch.inputs, args.flag("truncate")); });
    for (float s : sims) {
      text = "{\"similarity\":";
      append_float(text, s);
      text += "}\n";
      std::cout << text;
    }
  }
  std::cout.flush();
  return 0;
}

}  // namespace lightbert::cli
