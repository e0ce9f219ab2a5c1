// formats/model_family.h: the family table, one row per model_type (as llama.cpp keeps its
// architectures in one table): everything lightbert knows about a Hugging Face family.
// Contract: data only (strings, numbers, enums; no function pointers), so every layer from
// formats up reads the same row: config.cpp the config.json quirks (field schema, the config
// class's defaults, embedding_size, ALBERT's layer groups, RoBERTa's position offset), models
// the checkpoint prefix, the encoder's top-level modules and the tensor reader (by
// `architecture`, mapped to a reader in one switch in models/model_families.cpp), the saver the
// encoder modules and the depth field, heads the classification / masked-LM / QA / token /
// discriminator layouts, the tokenizer loader the tokenizer class and kind. An empty string is
// an absent part (no classifier dense layer, no discriminator). Adding a family that reuses an
// architecture is one row in model_family.cpp; tests/unit/family_table_test.cpp checks every
// row has what the saver and the heads need. family() throws lightbert::Error(kUnsupported)
// naming the model_type and the supported ones; find_family() returns nullptr instead.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lightbert/config.h"

namespace lightbert::formats {

// The encoder layout of the checkpoint: which reader maps it onto the encoder's tensors.
enum class Architecture { kBert, kRoberta, kDistilBert, kElectra, kAlbert };

// The config.json field names: BertConfig's (hidden_size, num_hidden_layers, ...) or
// DistilBertConfig's (dim, n_layers, n_heads, hidden_dim, activation).
enum class ConfigSchema { kBert, kDistilBert };

// A head's activation: a fixed one, or (kFromConfig) the config's hidden_act (DistilBERT's
// `activation`).
using HeadActivation = std::optional<Activation>;
inline constexpr HeadActivation kFromConfig = std::nullopt;

// How the tokenizer folder is read (tokenizer/tokenizer_loader*.cpp).
enum class TokenizerKind {
  kWordPiece,
  kByteLevelBpe,
  kSentencePieceAlbert,     // AlbertTokenizer: SentencePiece ids
  kSentencePieceXlmr,       // XLMRobertaTokenizer: fairseq ids, offset 1
  kSentencePieceCamembert,  // CamembertTokenizer: fairseq ids, offset 4, *NOTUSED tokens
};

// The defaults of the family's Hugging Face config class (fields absent from config.json).
struct ConfigDefaults {
  int vocab_size;
  int hidden_size;
  int num_hidden_layers;
  int num_attention_heads;
  int intermediate_size;
  int embedding_size;  // 0: hidden_size (the family has no embedding_size field)
  int pad_token_id;
  Activation hidden_act;
};

// *ForSequenceClassification: classifier(act(dense(x))) or classifier(x), x = the pooler output
// or the first token's hidden state.
struct ClassifierLayout {
  std::string dense;  // Linear [H, H] before the output, or "" (none)
  HeadActivation dense_act;
  std::string out;  // Linear [L, H]
  bool uses_pooler;
};

// *ForMaskedLM: decoder(LayerNorm(act(dense(h)))) + bias, the decoder tied to the word
// embeddings when its weight is absent.
struct MlmLayout {
  std::string dense;     // Linear prefix, H -> E
  std::string norm;      // LayerNorm prefix ([E])
  std::string decoder;   // untied decoder weight [V, E]
  std::string bias;      // [V]
  std::string bias_alt;  // the same bias under the decoder's name, or ""
  HeadActivation act;
  double fixed_eps;          // > 0: the LayerNorm eps (DistilBERT's 1e-12); 0: layer_norm_eps
  bool to_embedding_size;    // the transform maps H -> config.embedding_size
  bool pretraining_has_mlm;  // *ForPreTraining carries this head
};

struct FamilyDescriptor {
  std::string model_type;  // config.json "model_type"
  // Checkpoint.
  Architecture architecture;
  std::string checkpoint_prefix;  // Hugging Face's base_model_prefix + "." ("bert.", ...)
  // Top-level modules of the bare base model ("embeddings.", "encoder.", ...): encoder tensors.
  std::vector<std::string> encoder_modules;
  // config.json.
  ConfigSchema schema;
  ConfigDefaults defaults;
  bool reads_embedding_size;    // embedding_size is a field (ALBERT, ELECTRA)
  bool grouped_layers;          // num_hidden_groups x inner_group_num shared layers (ALBERT)
  bool position_offset_by_pad;  // positions start at pad_token_id + 1 (RoBERTa's padding_idx)
  std::string depth_field;      // the depth's field name ("num_hidden_layers", "n_layers")
  // Heads.
  ClassifierLayout classifier;
  MlmLayout mlm;
  std::string qa_outputs;        // *ForQuestionAnswering: Linear [2, H]
  std::string token_classifier;  // *ForTokenClassification: Linear [L, H]
  std::string discriminator;     // *ForPreTraining replaced-token head prefix, or ""
  // Tokenizer.
  std::string tokenizer_class;  // tokenizer_config.json's class prefix ("Bert", "XLMRoberta")
  TokenizerKind tokenizer_kind;
  // The tokenizer's own files, the vocabulary first (vocab.txt; vocab.json + merges.txt;
  // spiece.model; ...). tokenizer.json and the other Hugging Face tokenizer files are common to
  // every family (tokenizer_folder_files()).
  std::vector<std::string> tokenizer_files;
};

// The rows, in a fixed order.
const std::vector<FamilyDescriptor>& families();

// The row of `model_type`, or nullptr.
const FamilyDescriptor* find_family(const std::string& model_type);

// The row of `model_type`; Error(kUnsupported) naming it and supported_model_types().
const FamilyDescriptor& family(const std::string& model_type);

// "bert, roberta, ...": the model_types of the table, in order.
std::string supported_model_types();

// Every file a tokenizer folder of any family may hold, without duplicates: Hugging Face's
// common tokenizer files (tokenizer.json, tokenizer_config.json, special_tokens_map.json,
// added_tokens.json), then each row's tokenizer_files in table order. The saver embeds these
// and the hub download fetches these, so a new family's files need no other list.
const std::vector<std::string>& tokenizer_folder_files();

}  // namespace lightbert::formats
