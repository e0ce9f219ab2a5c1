// server/task_heads.cpp: see task_heads.h.
#include "server/task_heads.h"

#include "lightbert/error.h"

namespace lightbert::server {

namespace {

template <typename Head>
void try_load(Model& model, std::unique_ptr<Head>& head, std::string& missing) {
  try {
    head = std::make_unique<Head>(model);
  } catch (const Error& e) {
    head.reset();
    missing = e.what();
  }
}

}  // namespace

std::vector<std::string> TaskHeads::names() const {
  std::vector<std::string> out;
  if (classifier) out.push_back("sequence-classification");
  if (token_classifier) out.push_back("token-classification");
  if (question_answerer) out.push_back("question-answering");
  if (mask_filler) out.push_back("masked-language-model");
  return out;
}

TaskHeads load_task_heads(Model& model) {
  TaskHeads h;
  try_load(model, h.classifier, h.classifier_missing);
  try_load(model, h.token_classifier, h.token_classifier_missing);
  try_load(model, h.question_answerer, h.question_answerer_missing);
  try_load(model, h.mask_filler, h.mask_filler_missing);
  return h;
}

}  // namespace lightbert::server
