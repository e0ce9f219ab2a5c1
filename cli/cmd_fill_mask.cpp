// cli/cmd_fill_mask.cpp: `lightbert fill-mask --model DIR [--top-k 5]` (BertForMaskedLM).
// stdin {"text"} with one or more [MASK] -> stdout, as Hugging Face's fill-mask pipeline: a list
// of {"score","token","token_str","sequence"} (best first) for one mask, a list of such lists
// (one per mask, in text order) for several. Only the [MASK] rows go through the vocabulary
// projection.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/hub.h"
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_fill_mask(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "top-k", "batch-size", "threads"}, {"truncate"});
  const std::string dir = hub::resolve_model_path(args.require("model"));
  ModelOptions mo;
  mo.threads = args.get_int("threads", 0, 0, 1024);
  const int top_k = args.get_int("top-k", 5, 1, 1 << 20);
  const size_t batch_size = static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096));
  std::unique_ptr<Model> model = Model::load(dir, mo);
  MaskFiller filler(*model);
  std::ios::sync_with_stdio(false);
  TextBatch batch;
  size_t line_no = 0;
  std::string text;
  while (read_text_batch(std::cin, batch_size, /*allow_pair=*/false, line_no, batch)) {
    const auto results = on_lines(
        batch.line_nos, [&] { return filler.fill(batch.texts(), top_k, args.flag("truncate")); });
    for (const FillMaskResult& r : results) {
      text.clear();
      if (r.predictions.size() == 1) {
        append_predictions(text, r.predictions[0]);
      } else {
        text += '[';
        for (size_t m = 0; m < r.predictions.size(); ++m) {
          if (m) text += ',';
          append_predictions(text, r.predictions[m]);
        }
        text += ']';
      }
      text += '\n';
      std::cout << text;
    }
  }
  std::cout.flush();
  return 0;
}

}  // namespace lightbert::cli
