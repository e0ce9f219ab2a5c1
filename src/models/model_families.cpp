// models/model_families.cpp: see model_families.h.
#include "models/model_families.h"

#include "lightbert/error.h"
#include "models/family_tensors.h"

namespace lightbert::models {

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = {
      {"bert", "bert.", &read_bert_tensors},
      {"roberta", "roberta.", &read_roberta_tensors},
      {"xlm-roberta", "roberta.", &read_roberta_tensors},
      {"distilbert", "distilbert.", &read_distilbert_tensors},
      {"electra", "electra.", &read_electra_tensors},
      {"albert", "albert.", &read_albert_tensors},
  };
  return families;
}

const ModelFamily& model_family(const std::string& model_type) {
  std::string known;
  for (const ModelFamily& f : model_families()) {
    if (model_type == f.model_type) return f;
    known += (known.empty() ? "" : ", ") + std::string(f.model_type);
  }
  throw Error(ErrorCode::kUnsupported,
              "model_type '" + model_type + "' has no reader (supported: " + known + ")");
}

std::vector<std::string> checkpoint_prefixes(const ModelConfig& config) {
  return {"", model_family(config.model_type).checkpoint_prefix};
}

EncoderTensors read_encoder_tensors(formats::Checkpoint& checkpoint, const ModelConfig& config) {
  checkpoint.set_prefixes(checkpoint_prefixes(config));
  return read_encoder_tensors(static_cast<const formats::Checkpoint&>(checkpoint), config);
}

EncoderTensors read_encoder_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config) {
  return model_family(config.model_type).read(checkpoint, config);
}

}  // namespace lightbert::models
