// models/model_families.cpp: see model_families.h.
#include "models/model_families.h"

#include <algorithm>

#include "lightbert/error.h"
#include "models/family_tensors.h"

namespace lightbert::models {

TensorReader tensor_reader(formats::Architecture architecture) {
  switch (architecture) {
    case formats::Architecture::kBert:
      return &read_bert_tensors;
    case formats::Architecture::kRoberta:
      return &read_roberta_tensors;
    case formats::Architecture::kDistilBert:
      return &read_distilbert_tensors;
    case formats::Architecture::kElectra:
      return &read_electra_tensors;
    case formats::Architecture::kAlbert:
      return &read_albert_tensors;
  }
  throw Error(ErrorCode::kInternal, "no tensor reader for architecture " +
                                        std::to_string(static_cast<int>(architecture)));
}

std::vector<std::string> checkpoint_prefixes(const ModelConfig& config) {
  return {"", formats::family(config.model_type).checkpoint_prefix};
}

EncoderTensors read_encoder_tensors(formats::Checkpoint& checkpoint, const ModelConfig& config) {
  checkpoint.set_prefixes(checkpoint_prefixes(config));
  return read_encoder_tensors(static_cast<const formats::Checkpoint&>(checkpoint), config);
}

EncoderTensors read_encoder_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config) {
  return tensor_reader(formats::family(config.model_type).architecture)(checkpoint, config);
}

const std::vector<std::string>& encoder_tensor_prefixes() {
  static const std::vector<std::string> prefixes = [] {
    std::vector<std::string> out;
    auto add = [&out](const std::string& p) {
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    };
    for (const formats::FamilyDescriptor& f : formats::families()) {
      add(f.checkpoint_prefix);
      for (const std::string& m : f.encoder_modules) add(m);
    }
    add("position_ids");  // a buffer some checkpoints keep at the top level
    return out;
  }();
  return prefixes;
}

}  // namespace lightbert::models
