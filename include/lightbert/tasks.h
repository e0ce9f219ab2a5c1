// lightbert/tasks.h: task heads on a loaded Model: sequence classification, token
// classification (NER, optional CRF), extractive question answering, fill-mask, similarity,
// ELECTRA replaced-token detection.
// Contract: the heads belong to the Model: the first head object of a kind built on a Model
// reads that head's tensors from the model's checkpoint (opened once for all its heads; top-level
// Hugging Face names: classifier.*, qa_outputs.*, cls.predictions.*, crf.*,
// discriminator_predictions.*) and every later one shares it; constructing one throws
// lightbert::Error naming the missing tensor, or the task and the folder's architectures when
// the folder is not a model for that task. Results follow the matching Hugging Face pipeline
// (labels, scores, spans, words, answers, sequences); offsets are [start, end) in Unicode code
// points of the input text, as Python slices them. Errors caused by an input name its index.
// A head keeps a reference to the Model, which must outlive it; one call at a time per Model.
// Row-level use (callers that run the encoder themselves, e.g. the server's shared batches):
// each head's *_rows() method is its post-processor over encoder rows. The caller tokenizes
// (as the one-call method: model.tokenizer(), max_length model.max_length(), pairs for
// text_pair), runs every sequence whole through model.encoder() in any padding-free batches, and
// hands the rows: `out`'s sequences [first, first + count) are the caller's sequences given
// (their encodings, results, ...: pointers to `count` of each). The one-call methods are
// tokenize + one forward + the same *_rows() code, so both give identical results. *_rows()
// runs the head's products on the model's thread pool: call it where the model's forward passes
// are serialised (right after the forward, on the same thread).
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
  // results[k]: sequence first + k of `out`.
  void classify_rows(const EncoderOutput& out, size_t first, size_t count, Classification* results);

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
  // Throws kInvalidArgument for max / average with a CRF (classify() checks it first).
  void check_aggregation(Aggregation aggregation) const;
  // texts[k], encodings[k] (tokenized as classify() does) -> results[k], for sequence first + k.
  void classify_rows(const EncoderOutput& out, size_t first, size_t count,
                     const std::string* texts, const Encoding* encodings, Aggregation aggregation,
                     TokenClassification* results);

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
  // forward() for some windows: sequences [first, first + count) of `out` are r.windows
  // [window, window + count); fills their logits (r.start_logits / end_logits get one entry per
  // window). select() once every window's logits are in.
  void forward_rows(const EncoderOutput& out, size_t first, size_t count, QaResult& r,
                    size_t window);

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
  // The mask positions of one encoding; kInvalidArgument "no mask token (...) in the text" when
  // it has none (fill() names the input).
  std::vector<int32_t> mask_positions(const Encoding& encoding) const;
  // encodings[k] (each with a mask; top_k >= 1) -> results[k], for sequence first + k of `out`.
  void fill_rows(const EncoderOutput& out, size_t first, size_t count, const Encoding* encodings,
                 int top_k, FillMaskResult* results);

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
