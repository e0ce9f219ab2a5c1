// models/family_tensors.cpp: the helpers of family_tensors.h shared by the family readers.
#include "models/family_tensors.h"

namespace lightbert::models {

const LayerNames kBertLayerNames = {"attention.self.query",
                                    "attention.self.key",
                                    "attention.self.value",
                                    "attention.output.dense",
                                    "attention.output.LayerNorm",
                                    "intermediate.dense",
                                    "output.dense",
                                    "output.LayerNorm"};

LayerTensors read_layer_tensors(const formats::Checkpoint& ckpt, const std::string& prefix,
                                const LayerNames& names, const ModelConfig& cfg, int num_heads) {
  const int64_t h = cfg.hidden_size;
  const int64_t inter = cfg.intermediate_size;
  const int64_t rows = static_cast<int64_t>(num_heads) * cfg.head_dim();
  LayerTensors lt;
  lt.num_heads = num_heads;
  lt.qkv.out = 3 * rows;
  lt.qkv.in = h;
  lt.qkv.weight.reserve(static_cast<size_t>(3 * rows * h));
  lt.qkv.bias.reserve(static_cast<size_t>(3 * rows));
  for (const char* part : {names.query, names.key, names.value}) {
    LinearTensors p = read_linear_tensors(ckpt, prefix + part, rows, h);
    lt.qkv.weight.insert(lt.qkv.weight.end(), p.weight.begin(), p.weight.end());
    lt.qkv.bias.insert(lt.qkv.bias.end(), p.bias.begin(), p.bias.end());
    lt.qkv.names.push_back(prefix + part);
  }
  lt.attn_output = read_linear_tensors(ckpt, prefix + names.attn_output, h, rows);
  lt.attn_ln_gamma = read_tensor(ckpt, prefix + names.attn_ln + ".weight", {h});
  lt.attn_ln_beta = read_tensor(ckpt, prefix + names.attn_ln + ".bias", {h});
  lt.intermediate = read_linear_tensors(ckpt, prefix + names.intermediate, inter, h);
  lt.output = read_linear_tensors(ckpt, prefix + names.output, h, inter);
  lt.out_ln_gamma = read_tensor(ckpt, prefix + names.out_ln + ".weight", {h});
  lt.out_ln_beta = read_tensor(ckpt, prefix + names.out_ln + ".bias", {h});
  return lt;
}

void read_embedding_tensors(const formats::Checkpoint& ckpt, const ModelConfig& cfg, int64_t width,
                            bool read_positions, EncoderTensors& t) {
  t.embedding_size = width;
  t.position_offset = cfg.position_offset;
  t.word_embeddings =
      read_tensor(ckpt, "embeddings.word_embeddings.weight", {cfg.vocab_size, width});
  if (read_positions) {
    t.position_embeddings = read_tensor(ckpt, "embeddings.position_embeddings.weight",
                                        {cfg.max_position_embeddings, width});
  }
  if (cfg.type_vocab_size > 0) {
    t.token_type_embeddings =
        read_tensor(ckpt, "embeddings.token_type_embeddings.weight", {cfg.type_vocab_size, width});
  }
  t.emb_ln_gamma = read_tensor(ckpt, "embeddings.LayerNorm.weight", {width});
  t.emb_ln_beta = read_tensor(ckpt, "embeddings.LayerNorm.bias", {width});
}

}  // namespace lightbert::models
