// cli/cmd_fill_mask.cpp: `lightbert fill-mask --model DIR [--top-k 5]` (*ForMaskedLM of BERT,
// RoBERTa / XLM-R, DistilBERT, ALBERT, ELECTRA; heads/fill_mask.h).
// stdin {"text"} with one or more mask tokens ([MASK], <mask>) -> stdout, as Hugging Face's
// fill-mask pipeline: a list of {"score","token","token_str","sequence"} (best first) for one
// mask, a list of such lists (one per mask, in text order) for several. Only the mask rows go
// through the vocabulary projection.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_fill_mask(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "top-k", "batch-size", "threads"}, {"truncate"});
  const int top_k = args.get_int("top-k", 5, 1, 1 << 20);
  const size_t batch_size = batch_size_arg(args);
  std::unique_ptr<Model> model = load_task_model(args);
  MaskFiller filler(*model);
  return run_text_lines(
      batch_size, /*allow_pair=*/false,
      [&](const TextBatch& b) { return filler.fill(b.texts(), top_k, args.flag("truncate")); },
      [](const FillMaskResult& r, std::string& text) {
        if (r.predictions.size() == 1) {
          append_predictions(text, r.predictions[0]);
          return;
        }
        text += '[';
        for (size_t m = 0; m < r.predictions.size(); ++m) {
          if (m) text += ',';
          append_predictions(text, r.predictions[m]);
        }
        text += ']';
      },
      model.get(), "fill-mask");
}

}  // namespace lightbert::cli
