// lightbert/model.h: a model folder as a user sees it: tokenizer + encoder + embedding settings.
// Contract: Model::load(path) reads a Hugging Face folder or a .lbt model file (lightbert
// convert; docs/model-file-format.md). A folder holds (config.json, model.safetensors or
// pytorch_model.bin or a sharded index of either, vocab.txt or tokenizer.json, tokenizer_config.json) and, when present, the
// sentence-transformers files (modules.json, 1_Pooling/config.json, sentence_bert_config.json,
// Dense modules such as 2_Dense/{config.json, model.safetensors}, a Normalize module) that set
// the default pooling, the embedding's projection, normalisation and maximum length.
// encode() tokenizes texts and runs them as one padding-free batch; embed() pools them and
// applies the folder's Dense modules (always, whatever the pooling) and the normalisation.
// Errors are lightbert::Error naming the file, field or input index. The Model also owns its task
// heads (lightbert/tasks.h): each is built on first use from the checkpoint, opened once for all
// of them and kept open (mapped) while the Model lives, and shared by every task object.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lightbert/config.h"
#include "lightbert/encoder.h"
#include "lightbert/tokenizer.h"
#include "lightbert/types.h"

namespace lightbert {

class Model;
namespace detail {
class ModelHeads;  // the task heads the model owns (built on first use; src/api/model_heads.h)
class DenseStack;  // the Dense modules packed for ops::linear (src/api/dense_stack.h)
ModelHeads& model_heads(const Model& model);
}  // namespace detail

struct ModelOptions {
  int threads = 0;             // 0: all cores
  std::string dtype = "fp32";  // weights of the dense layers: "fp32", "bf16" or "int8"
  int max_length = 0;          // > 0: caps max_length() (truncation cuts there; serve's
                               // --max-input-length); 0: the model's own maximum
};

// The tokenizer of a model folder, or of a .lbt model file (lightbert convert): its embedded
// tokenizer files are read from a private temporary folder, removed before returning.
Tokenizer load_tokenizer(const std::string& path);

class Model {
 public:
  static std::unique_ptr<Model> load(const std::string& path, const ModelOptions& options = {});

  const ModelConfig& config() const { return encoder_->config(); }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  Encoder& encoder() { return *encoder_; }
  const std::string& path() const { return path_; }
  // The embedding settings of the folder: sentence-transformers' when it is such a folder,
  // else mean pooling without normalisation.
  const EmbeddingOptions& default_embedding() const { return default_embedding_; }
  bool is_sentence_transformer() const { return is_sentence_transformer_; }
  // Longest input in tokens: the tokenizer's model_max_length, sentence-transformers'
  // max_seq_length, and config().max_input_length() (max_position_embeddings less the
  // position offset: 512 for RoBERTa's 514), whichever is smallest.
  int max_length() const { return max_length_; }
  // The folder's sentence-transformers Dense modules, in order (usually none).
  const std::vector<DenseModule>& dense_modules() const { return dense_; }
  // Width of a sentence embedding: the last Dense module's out_features, else hidden_size.
  int embedding_size() const;
  // Sentence embedding of sequence `seq` of `out`: pooling, Dense modules, normalisation.
  // `dst` holds embedding_size() floats. Thread-safe (reads the model only).
  void pool(const EncoderOutput& out, size_t seq, const EmbeddingOptions& options,
            float* dst) const;

  // Tokenizes `inputs` (truncating to max_length() when `truncate`; otherwise a too-long input
  // is kOutOfRange naming its index) and runs them as one batch. `encodings` receives the
  // tokenizations when non-null.
  void encode(const std::vector<TextInput>& inputs, bool truncate, EncoderOutput& out,
              std::vector<Encoding>* encodings = nullptr);
  // Sentence embeddings, one row of embedding_size() floats per input.
  std::vector<std::vector<float>> embed(const std::vector<TextInput>& inputs,
                                        const EmbeddingOptions& options, bool truncate);

 private:
  Model() = default;
  std::string path_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Encoder> encoder_;
  EmbeddingOptions default_embedding_;
  bool is_sentence_transformer_ = false;
  std::vector<DenseModule> dense_;
  std::shared_ptr<const detail::DenseStack> dense_packed_;  // null without Dense modules
  int max_length_ = 512;
  SequenceBatch batch_;
  std::shared_ptr<detail::ModelHeads> heads_;
  friend detail::ModelHeads& detail::model_heads(const Model& model);
};

}  // namespace lightbert
