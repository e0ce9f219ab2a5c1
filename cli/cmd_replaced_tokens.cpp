// cli/cmd_replaced_tokens.cpp: `lightbert replaced-tokens --model DIR`: ELECTRA's discriminator
// (ElectraForPreTraining) scores every token of the text for having been replaced.
// stdin {"text"} -> stdout [{"token","score","index","start","end"}, ...], one entry per token of
// the text in order (special tokens left out): score = sigmoid(discriminator logit), index the
// token's position in the encoding ([CLS] is 0), start / end code points of the text.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/hub.h"
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_replaced_tokens(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "batch-size", "threads"}, {"truncate"});
  const std::string dir = hub::resolve_model_path(args.require("model"));
  ModelOptions mo;
  mo.threads = args.get_int("threads", 0, 0, 1024);
  const size_t batch_size = static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096));
  std::unique_ptr<Model> model = Model::load(dir, mo);
  ReplacedTokenDetector detector(*model);
  std::ios::sync_with_stdio(false);
  TextBatch batch;
  size_t line_no = 0;
  std::string text;
  while (read_text_batch(std::cin, batch_size, /*allow_pair=*/false, line_no, batch)) {
    const auto results = on_lines(
        batch.line_nos, [&] { return detector.detect(batch.texts(), args.flag("truncate")); });
    for (const ReplacedTokens& r : results) {
      text = "[";
      for (size_t i = 0; i < r.tokens.size(); ++i) {
        const TokenScore& t = r.tokens[i];
        text += i ? ",{\"token\":" : "{\"token\":";
        append_string(text, t.token);
        text += ",\"score\":";
        append_float(text, t.score);
        text += ",\"index\":" + std::to_string(t.index) + ",\"start\":" + std::to_string(t.start) +
                ",\"end\":" + std::to_string(t.end) + "}";
      }
      text += "]\n";
      std::cout << text;
    }
  }
  std::cout.flush();
  return 0;
}

}  // namespace lightbert::cli
