// models/model_families.h: which reader maps a checkpoint of each model_type onto EncoderTensors.
// Contract: read_encoder_tensors picks the reader registered for config.model_type ("bert", ...;
// one file per architecture in src/models/) and returns its tensors; a model_type without a
// reader throws lightbert::Error(kUnsupported) naming it and the supported ones.
#pragma once

#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "lightbert/config.h"
#include "models/encoder_tensors.h"

namespace lightbert::models {

using TensorReader = EncoderTensors (*)(const formats::Checkpoint&, const ModelConfig&);

struct ModelFamily {
  const char* model_type;
  TensorReader read;
};

// The registered families, in a fixed order.
const std::vector<ModelFamily>& model_families();

EncoderTensors read_encoder_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config);

}  // namespace lightbert::models
