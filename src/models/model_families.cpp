// models/model_families.cpp: see model_families.h.
#include "models/model_families.h"

#include "lightbert/error.h"

namespace lightbert::models {

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = {
      {"bert", &read_bert_tensors},
  };
  return families;
}

EncoderTensors read_encoder_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config) {
  std::string known;
  for (const ModelFamily& f : model_families()) {
    if (config.model_type == f.model_type) return f.read(checkpoint, config);
    known += (known.empty() ? "" : ", ") + std::string(f.model_type);
  }
  throw Error(ErrorCode::kUnsupported,
              "model_type '" + config.model_type + "' has no reader (supported: " + known + ")");
}

}  // namespace lightbert::models
