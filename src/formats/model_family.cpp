// formats/model_family.cpp: the family table (see model_family.h). One row per model_type;
// the values are Hugging Face's (modeling_<family>.py, configuration_<family>.py,
// tokenization_<family>.py, transformers 4.40).
#include "formats/model_family.h"

#include <algorithm>

#include "lightbert/error.h"

namespace lightbert::formats {

namespace {

using A = Architecture;
using S = ConfigSchema;
using T = TokenizerKind;
constexpr Activation kGelu = Activation::kGelu;
constexpr Activation kGeluNew = Activation::kGeluNew;

// Layouts shared by several rows.
const std::vector<std::string> kBertModules = {"embeddings.", "encoder.", "pooler."};
// BertForSequenceClassification: classifier(pooler_output).
const ClassifierLayout kPoolerClassifier{"", Activation::kTanh, "classifier", true};
// RobertaClassificationHead: out_proj(tanh(dense(h[first]))).
const ClassifierLayout kRobertaClassifier{"classifier.dense", Activation::kTanh, "classifier.out_proj",
                                          false};
// RobertaLMHead: exact gelu whatever hidden_act says.
// clang-format off
const MlmLayout kRobertaMlm{"lm_head.dense", "lm_head.layer_norm", "lm_head.decoder.weight",
                            "lm_head.bias", "lm_head.decoder.bias", kGelu, 0.0, false, false};
// clang-format on

}  // namespace

// Each row, in FamilyDescriptor's order:
//   model_type, architecture, checkpoint_prefix, encoder_modules,
//   schema, defaults {vocab, hidden, layers, heads, intermediate, embedding (0: hidden), pad,
//   hidden_act}, reads_embedding_size, grouped_layers, position_offset_by_pad, depth_field,
//   classifier, mlm, qa_outputs, token_classifier, discriminator,
//   tokenizer_class, tokenizer_kind, tokenizer_files.
// clang-format off
const std::vector<FamilyDescriptor>& families() {
  static const std::vector<FamilyDescriptor> rows = {
      {"bert", A::kBert, "bert.", kBertModules,
       S::kBert, {30522, 768, 12, 12, 3072, 0, 0, kGelu}, false, false, false, "num_hidden_layers",
       kPoolerClassifier,
       {"cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
        "cls.predictions.decoder.weight", "cls.predictions.bias", "cls.predictions.decoder.bias",
        kFromConfig, 0.0, false, true},
       "qa_outputs", "classifier", "",
       "Bert", T::kWordPiece, {"vocab.txt"}},
      {"roberta", A::kRoberta, "roberta.", kBertModules,
       S::kBert, {50265, 768, 12, 12, 3072, 0, 1, kGelu}, false, false, true, "num_hidden_layers",
       kRobertaClassifier, kRobertaMlm, "qa_outputs", "classifier", "",
       "Roberta", T::kByteLevelBpe, {"vocab.json", "merges.txt"}},
      {"xlm-roberta", A::kRoberta, "roberta.", kBertModules,
       S::kBert, {30522, 768, 12, 12, 3072, 0, 1, kGelu}, false, false, true, "num_hidden_layers",
       kRobertaClassifier, kRobertaMlm, "qa_outputs", "classifier", "",
       "XLMRoberta", T::kSentencePieceXlmr, {"sentencepiece.bpe.model"}},
      {"distilbert", A::kDistilBert, "distilbert.", {"embeddings.", "transformer."},
       S::kDistilBert, {30522, 768, 12, 12, 3072, 0, 0, kGelu}, false, false, false, "n_layers",
       {"pre_classifier", Activation::kRelu, "classifier", false},
       {"vocab_transform", "vocab_layer_norm", "vocab_projector.weight", "vocab_projector.bias",
        "", kFromConfig, 1e-12, false, false},
       "qa_outputs", "classifier", "",
       "DistilBert", T::kWordPiece, {"vocab.txt"}},
      {"electra", A::kElectra, "electra.", {"embeddings.", "embeddings_project.", "encoder."},
       S::kBert, {30522, 256, 12, 4, 1024, 128, 0, kGelu}, true, false, false, "num_hidden_layers",
       {"classifier.dense", kGelu, "classifier.out_proj", false},  // ElectraClassificationHead
       {"generator_predictions.dense", "generator_predictions.LayerNorm",
        "generator_lm_head.weight", "generator_lm_head.bias", "", kGelu, 0.0, true, false},
       "qa_outputs", "classifier", "discriminator_predictions",
       "Electra", T::kWordPiece, {"vocab.txt"}},
      {"albert", A::kAlbert, "albert.", kBertModules,
       S::kBert, {30000, 4096, 12, 64, 16384, 128, 0, kGeluNew}, true, true, false,
       "num_hidden_layers",
       kPoolerClassifier,
       {"predictions.dense", "predictions.LayerNorm", "predictions.decoder.weight",
        "predictions.bias", "predictions.decoder.bias", kFromConfig, 0.0, true, true},
       "qa_outputs", "classifier", "",
       "Albert", T::kSentencePieceAlbert, {"spiece.model"}},
      {"camembert", A::kRoberta, "roberta.", kBertModules,
       S::kBert, {30522, 768, 12, 12, 3072, 0, 1, kGelu}, false, false, true, "num_hidden_layers",
       kRobertaClassifier, kRobertaMlm, "qa_outputs", "classifier", "",
       "Camembert", T::kSentencePieceCamembert, {"sentencepiece.bpe.model"}},
  };
  return rows;
}
// clang-format on

const FamilyDescriptor* find_family(const std::string& model_type) {
  for (const FamilyDescriptor& f : families()) {
    if (f.model_type == model_type) return &f;
  }
  return nullptr;
}

const std::vector<std::string>& tokenizer_folder_files() {
  static const std::vector<std::string> files = [] {
    std::vector<std::string> out = {"tokenizer.json", "tokenizer_config.json",
                                    "special_tokens_map.json", "added_tokens.json"};
    for (const FamilyDescriptor& f : families()) {
      for (const std::string& name : f.tokenizer_files) {
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
      }
    }
    return out;
  }();
  return files;
}

std::string supported_model_types() {
  std::string known;
  for (const FamilyDescriptor& f : families()) known += (known.empty() ? "" : ", ") + f.model_type;
  return known;
}

const FamilyDescriptor& family(const std::string& model_type) {
  if (const FamilyDescriptor* f = find_family(model_type)) return *f;
  throw Error(ErrorCode::kUnsupported,
              "model_type '" + model_type +
                  "' is not supported (supported: " + supported_model_types() + ")");
}

}  // namespace lightbert::formats
