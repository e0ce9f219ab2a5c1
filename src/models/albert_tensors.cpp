// models/albert_tensors.cpp: read_albert_tensors (family_tensors.h). Contract: as
// modeling_albert.AlbertModel: AlbertEmbeddings of width embedding_size, then
// encoder.embedding_hidden_mapping_in [hidden, embedding_size] (always applied), then
// AlbertTransformer: depth i (of num_hidden_layers) runs layer group
// int(i / (num_hidden_layers / num_hidden_groups)) (float division, as in Python), i.e. that
// group's inner_group_num AlbertLayers in order; each AlbertLayer is the BERT post-LN layer under
// the names encoder.albert_layer_groups.G.albert_layers.I.{attention.{query,key,value,dense,
// LayerNorm}, ffn, ffn_output, full_layer_layer_norm}. Distinct layers are indexed
// G * inner_group_num + I (also the key of config.pruned_heads, as in AlbertModel._prune_heads).
// The pooler (nn.Linear "pooler" + tanh) is optional: absent both pooler.weight and .bias ->
// none; only one -> Error naming the other.
#include "models/family_tensors.h"

namespace lightbert::models {
namespace {

const LayerNames kAlbertLayerNames = {"attention.query", "attention.key",        "attention.value",
                                      "attention.dense", "attention.LayerNorm",  "ffn",
                                      "ffn_output",      "full_layer_layer_norm"};

}  // namespace

EncoderTensors read_albert_tensors(const formats::Checkpoint& ckpt, const ModelConfig& cfg) {
  EncoderTensors t;
  const int64_t h = cfg.hidden_size;
  read_embedding_tensors(ckpt, cfg, cfg.embedding_size, /*read_positions=*/true, t);
  t.embedding_projection =
      read_linear_tensors(ckpt, "encoder.embedding_hidden_mapping_in", h, cfg.embedding_size);
  const int groups = cfg.num_hidden_groups;
  const int inner = cfg.inner_group_num;
  for (int g = 0; g < groups; ++g) {
    for (int i = 0; i < inner; ++i) {
      const std::string prefix = "encoder.albert_layer_groups." + std::to_string(g) +
                                 ".albert_layers." + std::to_string(i) + ".";
      t.layers.push_back(read_layer_tensors(ckpt, prefix, kAlbertLayerNames, cfg,
                                            cfg.heads_in_layer(g * inner + i)));
    }
  }
  const int depth = cfg.num_hidden_layers;
  const double per_group = static_cast<double>(depth) / static_cast<double>(groups);
  for (int d = 0; d < depth; ++d) {
    const int g = static_cast<int>(static_cast<double>(d) / per_group);
    for (int i = 0; i < inner; ++i) t.layer_order.push_back(g * inner + i);
  }
  if (ckpt.has("pooler.weight") || ckpt.has("pooler.bias")) {
    t.pooler = read_linear_tensors(ckpt, "pooler", h, h);
  }
  return t;
}

}  // namespace lightbert::models
