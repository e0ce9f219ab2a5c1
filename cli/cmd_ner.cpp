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
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

int run_ner(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "aggregation", "batch-size", "threads"}, {"truncate"});
  const Aggregation aggregation = parse_aggregation(args.get_or("aggregation", "simple"));
  const size_t batch_size = batch_size_arg(args);
  std::unique_ptr<Model> model = load_task_model(args);
  TokenClassifier classifier(*model);
  return run_text_lines(
      batch_size, /*allow_pair=*/false,
      [&](const TextBatch& b) {
        return classifier.classify(b.texts(), aggregation, args.flag("truncate"));
      },
      [&](const TokenClassification& r, std::string& text) {
        text += "[";
        for (size_t i = 0; i < r.entities.size(); ++i) {
          if (i) text += ',';
          append_entity(text, r.entities[i], aggregation != Aggregation::kNone);
        }
        text += "]";
      },
      model.get(), "ner");
}

}  // namespace lightbert::cli
