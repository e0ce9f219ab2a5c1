// cli/cmd_replaced_tokens.cpp: `lightbert replaced-tokens --model DIR`: ELECTRA's discriminator
// (ElectraForPreTraining) scores every token of the text for having been replaced.
// stdin {"text"} -> stdout [{"token","score","index","start","end"}, ...], one entry per token of
// the text in order (special tokens left out): score = sigmoid(discriminator logit), index the
// token's position in the encoding ([CLS] is 0), start / end code points of the text.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_replaced_tokens(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "batch-size", "threads"}, {"truncate"});
  const size_t batch_size = batch_size_arg(args);
  std::unique_ptr<Model> model = load_task_model(args);
  ReplacedTokenDetector detector(*model);
  return run_text_lines(
      batch_size, /*allow_pair=*/false,
      [&](const TextBatch& b) { return detector.detect(b.texts(), args.flag("truncate")); },
      [](const ReplacedTokens& r, std::string& text) {
        text += "[";
        for (size_t i = 0; i < r.tokens.size(); ++i) {
          const TokenScore& t = r.tokens[i];
          text += i ? ",{\"token\":" : "{\"token\":";
          append_string(text, t.token);
          text += ",\"score\":";
          append_float(text, t.score);
          text += ",\"index\":" + std::to_string(t.index) +
                  ",\"start\":" + std::to_string(t.start) + ",\"end\":" + std::to_string(t.end) +
                  "}";
        }
        text += "]";
      },
      model.get(), "replaced-tokens");
}

}  // namespace lightbert::cli
