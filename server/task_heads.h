// server/task_heads.h: the task heads of the served model, built once at server start.
// Contract: load_task_heads(model) tries each head of lightbert/tasks.h on the model; a head the
// model lacks (its constructor threw lightbert::Error) stays null and `*_missing` keeps the
// constructor's message, which the endpoint's 404 repeats. names() lists the heads present by
// the names /info and the 404s use: sequence-classification (/predict), token-classification
// (/ner), question-answering (/qa), masked-language-model (/fill-mask). The heads reference the
// Model, which must outlive them; their calls run only on the batcher thread (head_job.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lightbert/tasks.h"

namespace lightbert::server {

struct TaskHeads {
  std::unique_ptr<SequenceClassifier> classifier;
  std::unique_ptr<TokenClassifier> token_classifier;
  std::unique_ptr<QuestionAnswerer> question_answerer;
  std::unique_ptr<MaskFiller> mask_filler;
  std::string classifier_missing, token_classifier_missing, question_answerer_missing,
      mask_filler_missing;

  std::vector<std::string> names() const;
};

TaskHeads load_task_heads(Model& model);

}  // namespace lightbert::server
