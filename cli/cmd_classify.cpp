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
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_classify(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "top-k", "batch-size", "threads"}, {"truncate"});
  const int top_k = args.get_int("top-k", 1, 0, 1 << 20);
  const size_t batch_size = batch_size_arg(args);
  std::unique_ptr<Model> model = load_task_model(args);
  SequenceClassifier classifier(*model);
  return run_text_lines(
      batch_size, /*allow_pair=*/true,
      [&](const TextBatch& b) { return classifier.classify(b.inputs, args.flag("truncate")); },
      [&](const Classification& c, std::string& text) {
        const size_t n =
            top_k == 0 ? c.labels.size() : std::min(c.labels.size(), static_cast<size_t>(top_k));
        text += "[";
        for (size_t i = 0; i < n; ++i) {
          text += i ? ",{\"label\":" : "{\"label\":";
          append_string(text, c.labels[i].label);
          text += ",\"score\":";
          append_float(text, c.labels[i].score);
          text += "}";
        }
        text += "]";
      },
      model.get(), "classify");
}

int run_similarity(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "batch-size", "threads"}, {"truncate"});
  const size_t batch_size = batch_size_arg(args);
  std::unique_ptr<Model> model = load_task_model(args);
  return run_text_lines(
      batch_size, /*allow_pair=*/true,
      [&](const TextBatch& b) { return similarity(*model, b.inputs, args.flag("truncate")); },
      [](float s, std::string& text) {
        text += "{\"similarity\":";
        append_float(text, s);
        text += "}";
      },
      model.get(), "similarity");
}

}  // namespace lightbert::cli
