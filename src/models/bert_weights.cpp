// models/bert_weights.cpp: see bert_weights.h.
#include "models/bert_weights.h"

#include <cstring>
#include <string>

#include "ops/linear.h"

namespace lightbert::models {
namespace {

tensor::AlignedBuffer read_aligned(const formats::Checkpoint& ckpt, const std::string& name,
                                   const std::vector<int64_t>& shape) {
  std::vector<float> v = ckpt.read_f32(name, shape);
  tensor::AlignedBuffer buf;
  std::memcpy(buf.reserve(v.size()), v.data(), v.size() * sizeof(float));
  return buf;
}

kernels::PackedWeights read_linear(const formats::Checkpoint& ckpt, const ops::OpContext& ctx,
                                   const std::string& prefix, int64_t out, int64_t in) {
  std::vector<float> w = ckpt.read_f32(prefix + ".weight", {out, in});
  std::vector<float> b = ckpt.read_f32(prefix + ".bias", {out});
  return ops::pack_linear(ctx, w.data(), out, in, b.data());
}

// Q, K and V stacked into one [3H, H] weight (rows: Q then K then V) and one [3H] bias.
kernels::PackedWeights read_qkv(const formats::Checkpoint& ckpt, const ops::OpContext& ctx,
                                const std::string& prefix, int64_t h) {
  std::vector<float> w(static_cast<size_t>(3 * h * h));
  std::vector<float> b(static_cast<size_t>(3 * h));
  const char* parts[] = {"query", "key", "value"};
  for (int i = 0; i < 3; ++i) {
    const std::string name = prefix + parts[i];
    std::vector<float> wi = ckpt.read_f32(name + ".weight", {h, h});
    std::vector<float> bi = ckpt.read_f32(name + ".bias", {h});
    std::memcpy(w.data() + i * h * h, wi.data(), wi.size() * sizeof(float));
    std::memcpy(b.data() + i * h, bi.data(), bi.size() * sizeof(float));
  }
  return ops::pack_linear(ctx, w.data(), 3 * h, h, b.data());
}

}  // namespace

BertWeights load_bert_weights(const formats::Checkpoint& ckpt, const ModelConfig& cfg,
                              const ops::OpContext& ctx) {
  const int64_t h = cfg.hidden_size;
  const int64_t inter = cfg.intermediate_size;
  BertWeights w;
  w.word_embeddings = read_aligned(ckpt, "embeddings.word_embeddings.weight", {cfg.vocab_size, h});
  w.position_embeddings =
      read_aligned(ckpt, "embeddings.position_embeddings.weight", {cfg.max_position_embeddings, h});
  w.token_type_embeddings =
      read_aligned(ckpt, "embeddings.token_type_embeddings.weight", {cfg.type_vocab_size, h});
  w.emb_ln_gamma = read_aligned(ckpt, "embeddings.LayerNorm.weight", {h});
  w.emb_ln_beta = read_aligned(ckpt, "embeddings.LayerNorm.bias", {h});

  w.layers.resize(static_cast<size_t>(cfg.num_hidden_layers));
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    BertLayerWeights& lw = w.layers[static_cast<size_t>(l)];
    lw.qkv = read_qkv(ckpt, ctx, p + "attention.self.", h);
    lw.attn_output = read_linear(ckpt, ctx, p + "attention.output.dense", h, h);
    lw.attn_ln_gamma = read_aligned(ckpt, p + "attention.output.LayerNorm.weight", {h});
    lw.attn_ln_beta = read_aligned(ckpt, p + "attention.output.LayerNorm.bias", {h});
    lw.intermediate = read_linear(ckpt, ctx, p + "intermediate.dense", inter, h);
    lw.output = read_linear(ckpt, ctx, p + "output.dense", h, inter);
    lw.out_ln_gamma = read_aligned(ckpt, p + "output.LayerNorm.weight", {h});
    lw.out_ln_beta = read_aligned(ckpt, p + "output.LayerNorm.bias", {h});
  }

  // Either tensor present means a pooler was meant: read_f32 then names a missing one.
  w.has_pooler = ckpt.has("pooler.dense.weight") || ckpt.has("pooler.dense.bias");
  if (w.has_pooler) w.pooler = read_linear(ckpt, ctx, "pooler.dense", h, h);
  return w;
}

}  // namespace lightbert::models
