// lightbert/types.h: the vocabulary types of the library: batches, encoder outputs, inputs,
// pooling settings and the task results, apart from the facades that produce them.
// Contract: plain data (and two name/parse helpers per enum); no behaviour beyond
// SequenceBatch::add. src/models and src/heads include this header, never the facades
// (encoder.h's Encoder, model.h's Model, tasks.h's heads), so the implementation layers do not
// depend on the API built on them (docs/architecture.md; tools/include_graph.py checks it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lightbert/activation.h"
#include "lightbert/tokenizer.h"

namespace lightbert {

// ---- encoder ----------------------------------------------------------------------------------
// The most compute threads a model may ask for (EncoderOptions / ModelOptions threads; the
// CLI's --threads); more is kInvalidArgument, not an attempt to start them.
constexpr int kMaxThreads = 1024;

// A ragged batch: sequences concatenated, no padding.
struct SequenceBatch {
  std::vector<int32_t> input_ids;       // sum(lengths) ids
  std::vector<int32_t> token_type_ids;  // sum(lengths) ids, or empty for all zeros
  std::vector<int32_t> lengths;         // one entry per sequence, each >= 1

  void clear() {
    input_ids.clear();
    token_type_ids.clear();
    lengths.clear();
  }
  // Appends one sequence; `types` may be empty (all zeros).
  void add(const std::vector<int32_t>& ids, const std::vector<int32_t>& types = {});
  size_t num_sequences() const { return lengths.size(); }
  size_t num_tokens() const { return input_ids.size(); }
};

struct EncoderOutput {
  int hidden_size = 0;
  std::vector<float> last_hidden_state;  // [num_tokens, hidden_size], sequences concatenated
  std::vector<float> pooler_output;      // [num_sequences, hidden_size]; empty without a pooler
  std::vector<int32_t> row_offsets;      // first row of each sequence; size num_sequences + 1

  const float* token(size_t sequence, size_t position) const {
    return last_hidden_state.data() +
           (static_cast<size_t>(row_offsets[sequence]) + position) * hidden_size;
  }
};

// ---- inputs and embeddings --------------------------------------------------------------------
// One input: a text, or a text pair.
struct TextInput {
  std::string text;
  std::optional<std::string> text_pair;
};

enum class Pooling { kMean, kCls, kMax };

const char* pooling_name(Pooling pooling) noexcept;
Pooling parse_pooling(const std::string& name);  // "mean" | "cls" | "max"; else kInvalidArgument

struct EmbeddingOptions {
  Pooling pooling = Pooling::kMean;
  bool normalize = false;
};

// A sentence-transformers Dense module: y = act(W x + b), act kTanh (torch.nn.Tanh, the default)
// or kNone (torch.nn.Identity).
struct DenseModule {
  int in_features = 0;
  int out_features = 0;
  std::vector<float> weight;  // [out_features, in_features]
  std::vector<float> bias;    // [out_features], empty without bias
  Activation activation = Activation::kTanh;
};

// ---- task results (lightbert/tasks.h) -----------------------------------------------------------
struct LabelScore {
  std::string label;
  float score = 0.f;
};

struct Classification {
  std::vector<float> logits;       // [num_labels]
  std::vector<LabelScore> labels;  // every label, highest score first (ties: lower id first)
};

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

}  // namespace lightbert
