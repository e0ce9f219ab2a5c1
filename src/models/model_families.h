// models/model_families.h: which reader maps a checkpoint of each model_type onto EncoderTensors.
// Contract: read_encoder_tensors picks the family registered for config.model_type ("bert",
// "roberta", "xlm-roberta", "distilbert", "electra", "albert"; one reader file per architecture
// in src/models/), sets the Checkpoint's name prefixes to {"", the family's base-model prefix}
// (so both a bare base model and a published task checkpoint load), and returns the reader's
// tensors; a model_type without a reader throws lightbert::Error(kUnsupported) naming it and the
// supported ones.
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
  const char* checkpoint_prefix;  // Hugging Face's base_model_prefix + "." ("bert.", ...)
  TensorReader read;
};

// The registered families, in a fixed order.
const std::vector<ModelFamily>& model_families();

// The family of `model_type`; Error(kUnsupported) naming it and the supported ones.
const ModelFamily& model_family(const std::string& model_type);

EncoderTensors read_encoder_tensors(formats::Checkpoint& checkpoint, const ModelConfig& config);
// The same with the checkpoint's prefixes as they are: the caller sets them first, e.g.
// checkpoint.set_prefixes(checkpoint_prefixes(config)); otherwise a prefixed non-BERT checkpoint
// fails with kNotFound naming the tensor.
EncoderTensors read_encoder_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config);
// {"", the family's base-model prefix}.
std::vector<std::string> checkpoint_prefixes(const ModelConfig& config);

}  // namespace lightbert::models
