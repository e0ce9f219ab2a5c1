// models/encoder_transforms.h: compression applied to EncoderTensors before packing.
// Contract:
// - prune_heads removes attention heads, computing exactly what Hugging Face's
//   model.prune_heads({layer: [heads]}) computes: the heads' rows of Q, K and V (and their bias)
//   and the matching input columns of the attention output dense are dropped. Head indexes are
//   the ORIGINAL ones (as in config.pruned_heads); heads already pruned are ignored, as in HF.
//   The config's pruned_heads is updated (merged). Pruning every head of a layer, an unknown
//   layer or head, or a model whose layers share weights throws lightbert::Error.
// - keep_layers keeps the listed layers (0-based depth positions, strictly increasing, at least
//   one) and drops the rest ("Poor Man's BERT" / LayerDrop at inference); the config's
//   num_hidden_layers and pruned_heads (renumbered) follow.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lightbert/config.h"
#include "models/encoder_tensors.h"

namespace lightbert::models {

void prune_heads(EncoderTensors& tensors, ModelConfig& config,
                 const std::map<int, std::vector<int>>& heads);

void keep_layers(EncoderTensors& tensors, ModelConfig& config, const std::vector<int>& keep);

// Parses "LAYER:HEAD,HEAD;LAYER:HEAD" (the CLI's --prune-heads); Error(kInvalidArgument) naming
// the bad part.
std::map<int, std::vector<int>> parse_head_spec(const std::string& spec);
// Parses "0,2,4" (the CLI's --keep-layers).
std::vector<int> parse_layer_list(const std::string& spec);

}  // namespace lightbert::models
