// models/encoder_tensors.cpp: see encoder_tensors.h (the BERT reader and shared helpers).
#include "models/encoder_tensors.h"

#include <algorithm>
#include <string>

namespace lightbert::models {

std::vector<float> read_tensor(const formats::Checkpoint& ckpt, const std::string& name,
                               const std::vector<int64_t>& shape) {
  return ckpt.read_f32(name, shape);
}

LinearTensors read_linear_tensors(const formats::Checkpoint& ckpt, const std::string& prefix,
                                  int64_t out, int64_t in) {
  LinearTensors t;
  t.out = out;
  t.in = in;
  t.weight = ckpt.read_f32(prefix + ".weight", {out, in});
  t.bias = ckpt.read_f32(prefix + ".bias", {out});
  t.names = {prefix};
  return t;
}

namespace {

// Q, K and V (each [heads * d, H]) stacked into one product.
LinearTensors read_qkv(const formats::Checkpoint& ckpt, const std::string& prefix, int64_t rows,
                       int64_t h) {
  LinearTensors t;
  t.out = 3 * rows;
  t.in = h;
  t.weight.reserve(static_cast<size_t>(3 * rows * h));
  t.bias.reserve(static_cast<size_t>(3 * rows));
  for (const char* part : {"query", "key", "value"}) {
    LinearTensors p = read_linear_tensors(ckpt, prefix + part, rows, h);
    t.weight.insert(t.weight.end(), p.weight.begin(), p.weight.end());
    t.bias.insert(t.bias.end(), p.bias.begin(), p.bias.end());
    t.names.push_back(prefix + part);
  }
  return t;
}

}  // namespace

EncoderTensors read_bert_tensors(const formats::Checkpoint& ckpt, const ModelConfig& cfg) {
  const int64_t h = cfg.hidden_size;
  const int64_t inter = cfg.intermediate_size;
  const int64_t d = cfg.head_dim();
  EncoderTensors t;
  t.embedding_size = h;
  t.word_embeddings = read_tensor(ckpt, "embeddings.word_embeddings.weight", {cfg.vocab_size, h});
  t.position_embeddings =
      read_tensor(ckpt, "embeddings.position_embeddings.weight", {cfg.max_position_embeddings, h});
  t.token_type_embeddings =
      read_tensor(ckpt, "embeddings.token_type_embeddings.weight", {cfg.type_vocab_size, h});
  t.emb_ln_gamma = read_tensor(ckpt, "embeddings.LayerNorm.weight", {h});
  t.emb_ln_beta = read_tensor(ckpt, "embeddings.LayerNorm.bias", {h});

  t.layers.resize(static_cast<size_t>(cfg.num_hidden_layers));
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    LayerTensors& lt = t.layers[static_cast<size_t>(l)];
    lt.num_heads = cfg.heads_in_layer(l);
    const int64_t rows = lt.num_heads * d;
    lt.qkv = read_qkv(ckpt, p + "attention.self.", rows, h);
    lt.attn_output = read_linear_tensors(ckpt, p + "attention.output.dense", h, rows);
    lt.attn_ln_gamma = read_tensor(ckpt, p + "attention.output.LayerNorm.weight", {h});
    lt.attn_ln_beta = read_tensor(ckpt, p + "attention.output.LayerNorm.bias", {h});
    lt.intermediate = read_linear_tensors(ckpt, p + "intermediate.dense", inter, h);
    lt.output = read_linear_tensors(ckpt, p + "output.dense", h, inter);
    lt.out_ln_gamma = read_tensor(ckpt, p + "output.LayerNorm.weight", {h});
    lt.out_ln_beta = read_tensor(ckpt, p + "output.LayerNorm.bias", {h});
    t.layer_order.push_back(l);
  }

  // Either tensor present means a pooler was meant: read_f32 then names a missing one.
  if (ckpt.has("pooler.dense.weight") || ckpt.has("pooler.dense.bias")) {
    t.pooler = read_linear_tensors(ckpt, "pooler.dense", h, h);
  }
  return t;
}

}  // namespace lightbert::models
