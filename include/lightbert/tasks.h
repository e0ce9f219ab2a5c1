// lightbert/tasks.h: task heads on a loaded Model: sequence classification, token
// classification (NER, optional CRF), extractive question answering, fill-mask, similarity,
// ELECTRA replaced-token detection.
// Contract: each head object reads its own tensors from model.path() when constructed (top-level
// Hugging Face names: classifier.*, qa_outputs.*, cls.predictions.*, crf.*,
// discriminator_predictions.*) and throws
// lightbert::Error naming the missing tensor, or the task and the folder's architectures when
// the folder is not a model for that task. Results follow the matching Hugging Face pipeline
// (labels, scores, spans, words, answers, sequences); offsets are [start, end) in Unicode code
// points of the input text, as Python slices them. Errors caused by an input name its index.
// A head keeps a reference to the Model, which must outlive it; one call at a time per Model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lightbert/model.h"
#include "lightbert/types.h"

namespace lightbert {

// ---- sequence classification (BertForSequenceClassification) ------------------------------

class SequenceClassifier {
 public:
  explicit SequenceClassifier(Model& model);
  ~SequenceClassifier();
  // Sigmoid scores (problem_type multi_label_classification, or one label) or softmax.
  bool multi_label() const;
  const std::vector<std::string>& labels() const;
  // Inputs longer than model.max_length() are an error naming their index unless `truncate`.
  std::vector<Classification> classify(const std::vector<TextInput>& inputs, bool truncate);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Cosine similarity of the sentence embeddings of text and text_pair (each embedded alone with
// the folder's default pooling), one per input; an input without text_pair is an error.
std::vector<float> similarity(Model& model, const std::vector<TextInput>& inputs, bool truncate);

// ---- token classification (BertForTokenClassification) -------------------------------------

class TokenClassifier {
 public:
  explicit TokenClassifier(Model& model);
  ~TokenClassifier();
  bool has_crf() const;
  const std::vector<std::string>& labels() const;
  std::vector<TokenClassification> classify(const std::vector<std::string>& texts,
                                            Aggregation aggregation, bool truncate);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- extractive question answering (BertForQuestionAnswering) ------------------------------

class QuestionAnswerer {
 public:
  explicit QuestionAnswerer(Model& model);
  ~QuestionAnswerer();
  QaResult answer(const std::string& question, const std::string& context,
                  const QaOptions& options = {});
  // answer() in its three steps, for callers that run the forward pass elsewhere (the server
  // runs only forward() on its batch thread): prepare() checks the options and inputs (throwing
  // as answer() does) and cuts the windows; forward() fills the logits; select() the answers.
  // Each step is linear in the context.
  QaResult prepare(const std::string& question, const std::string& context,
                   const QaOptions& options = {}) const;
  void forward(QaResult& r);
  void select(QaResult& r, const std::string& context, const QaOptions& options = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- fill-mask (BertForMaskedLM) ------------------------------------------------------------

class MaskFiller {
 public:
  explicit MaskFiller(Model& model);
  ~MaskFiller();
  // An input without [MASK] is an error naming its index.
  std::vector<FillMaskResult> fill(const std::vector<std::string>& texts, int top_k, bool truncate);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- replaced-token detection (ElectraForPreTraining's discriminator) ------------------------

class ReplacedTokenDetector {
 public:
  explicit ReplacedTokenDetector(Model& model);
  ~ReplacedTokenDetector();
  std::vector<ReplacedTokens> detect(const std::vector<std::string>& texts, bool truncate);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightbert
