// models/model_families.h: the encoder tensor reader of each family of the family table
// (formats/model_family.h).
// Contract: read_encoder_tensors takes config.model_type's row, sets the Checkpoint's name
// prefixes to {"", the row's checkpoint_prefix} (so both a bare base model and a published task
// checkpoint load), and returns the tensors of the reader its `architecture` names (one switch,
// tensor_reader(); one reader file per architecture in src/models/); a model_type without a row
// throws lightbert::Error(kUnsupported) naming it and the supported ones.
// encoder_tensor_prefixes() is what the saver counts as the encoder: every row's
// checkpoint_prefix and encoder_modules, and "position_ids".
#pragma once

#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/model_family.h"
#include "lightbert/config.h"
#include "models/encoder_tensors.h"

namespace lightbert::models {

using TensorReader = EncoderTensors (*)(const formats::Checkpoint&, const ModelConfig&);

// The reader of an architecture.
TensorReader tensor_reader(formats::Architecture architecture);

EncoderTensors read_encoder_tensors(formats::Checkpoint& checkpoint, const ModelConfig& config);
// The same with the checkpoint's prefixes as they are: the caller sets them first, e.g.
// checkpoint.set_prefixes(checkpoint_prefixes(config)); otherwise a prefixed non-BERT checkpoint
// fails with kNotFound naming the tensor.
EncoderTensors read_encoder_tensors(const formats::Checkpoint& checkpoint,
                                    const ModelConfig& config);
// {"", the family's base-model prefix}.
std::vector<std::string> checkpoint_prefixes(const ModelConfig& config);

// Name prefixes of encoder tensors in any family's checkpoint (the saver keeps the rest as head
// tensors), unique, in table order.
const std::vector<std::string>& encoder_tensor_prefixes();

}  // namespace lightbert::models
