// cli/cmd_ner.cpp: `lightbert ner --model DIR [--aggregation none|simple|first|max|average]`:
// token classification (BertForTokenClassification, with a CRF when the checkpoint has one).
// stdin {"text"} -> stdout a list of entities as Hugging Face's token-classification pipeline
// prints them: {"entity_group","score","word","start","end"} (aggregation other than none,
// default simple) or {"entity","score","index","word","start","end"} per token (none); start
// and end are code points of the text; label "O" is left out.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/hub.h"
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_ner(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "aggregation", "batch-size", "threads"}, {"truncate"});
  const std::string dir = hub::resolve_model_path(args.require("model"));
  const Aggregation aggregation = parse_aggregation(args.get_or("aggregation", "simple"));
  ModelOptions mo;
  mo.threads = args.get_int("threads", 0, 0, 1024);
  const size_t batch_size = static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096));
  std::unique_ptr<Model> model = Model::load(dir, mo);
  TokenClassifier classifier(*model);
  std::ios::sync_with_stdio(false);
  TextBatch batch;
  size_t line_no = 0;
  std::string text;
  while (read_text_batch(std::cin, batch_size, /*allow_pair=*/false, line_no, batch)) {
    const auto results = on_lines(batch.line_nos, [&] {
      return classifier.classify(batch.texts(), aggregation, args.flag("truncate"));
    });
    for (const TokenClassification& r : results) {
      text = "[";
      for (size_t i = 0; i < r.entities.size(); ++i) {
        if (i) text += ',';
        append_entity(text, r.entities[i], aggregation != Aggregation::kNone);
      }
      text += "]\n";
      std::cout << text;
    }
  }
  std::cout.flush();
  return 0;
}

}  // namespace lightbert::cli
