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

namespace lightbert {

// ---- sequence classification (BertForSequenceClassification) ------------------------------
struct LabelScore {
  std::string label;
  float score = 0.f;
};

struct Classification {
  std::vector<float> logits;       // [num_labels]
  std::vector<LabelScore> labels;  // every label, highest score first (ties: lower id first)
};

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
enum class Aggregation { kNone, kSimple, kFirst, kMax, kAverage };
const char* aggregation_name(Aggregation a) noexcept;
Aggregation parse_aggregation(const std::string& name);  // none|simple|first|max|average

struct Entity {
  std::string entity;  // the label (aggregation none) or the entity group
  float score = 0.f;
  std::string word;
  int32_t start = 0;  // code points, [start, end)
  int32_t end = 0;
  int32_t index = -1;  // token index (aggregation none only)
};

struct TokenClassification {
  Encoding encoding;
  std::vector<float> logits;  // [tokens, num_labels]
  std::vector<int> tags;      // per token: argmax, or the CRF's Viterbi path
  std::vector<Entity> entities;
};

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
struct QaOptions {
  int top_k = 1;
  int max_answer_len = 15;
  int doc_stride = -1;   // -1: min(max_seq_len / 2, 128), as Hugging Face
  int max_seq_len = -1;  // -1: min(model.max_length(), 384), as Hugging Face
};

struct Answer {
  std::string answer;
  float score = 0.f;
  int32_t start = 0;  // code points of the context, [start, end)
  int32_t end = 0;
  int32_t window = 0;       // which window it came from
  int32_t start_token = 0;  // token indices in that window
  int32_t end_token = 0;
};

struct QaResult {
  std::vector<Answer> answers;  // best first, at most top_k
  std::vector<Encoding> windows;
  std::vector<std::vector<float>> start_logits;  // per window
  std::vector<std::vector<float>> end_logits;
};

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
struct MaskPrediction {
  int32_t token = 0;
  std::string token_str;
  float score = 0.f;
  std::string sequence;
};

struct FillMaskResult {
  std::vector<int32_t> mask_positions;                   // token indices of the [MASK] tokens
  std::vector<std::vector<float>> logits;                // per mask: [vocab_size]
  std::vector<std::vector<MaskPrediction>> predictions;  // per mask: top_k, best first
};

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
struct TokenScore {
  std::string token;  // the tokenizer's token string
  float logit = 0.f;  // discriminator_predictions output
  float score = 0.f;  // sigmoid(logit): probability that the token was replaced
  int32_t index = 0;  // token index in the encoding
  int32_t start = 0;  // code points of the text, [start, end)
  int32_t end = 0;
};

struct ReplacedTokens {
  Encoding encoding;
  std::vector<float> logits;       // [tokens], special tokens included
  std::vector<TokenScore> tokens;  // the text's tokens (special tokens left out), in order
};

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
