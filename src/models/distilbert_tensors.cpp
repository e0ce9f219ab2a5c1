// models/distilbert_tensors.cpp: read_distilbert_tensors (family_tensors.h). Contract: as
// modeling_distilbert.DistilBertModel: Embeddings (word + position, LayerNorm eps 1e-12, no
// token types), then TransformerBlocks transformer.layer.N.{attention.{q,k,v,out}_lin,
// sa_layer_norm, ffn.lin1, ffn.lin2, output_layer_norm} (post-LN, the BERT layer math: q / sqrt(d)
// before q k^T is the same product); no pooler. With sinusoidal_pos_embds a position table
// present in the file is used as saved; one left out is computed as create_sinusoidal_embeddings
// does (in double, rounded to float).
#include <cmath>

#include "models/family_tensors.h"

namespace lightbert::models {
namespace {

const LayerNames kDistilLayerNames = {"attention.q_lin",   "attention.k_lin",  "attention.v_lin",
                                      "attention.out_lin", "sa_layer_norm",    "ffn.lin1",
                                      "ffn.lin2",          "output_layer_norm"};

// modeling_distilbert.create_sinusoidal_embeddings: row pos, column j:
// angle = pos / 10000^(2 * (j / 2) / dim); sin for even j, cos for odd j.
std::vector<float> sinusoidal_table(int64_t n_pos, int64_t dim) {
  std::vector<float> out(static_cast<size_t>(n_pos * dim));
  for (int64_t pos = 0; pos < n_pos; ++pos) {
    for (int64_t j = 0; j < dim; ++j) {
      const double angle =
          static_cast<double>(pos) /
          std::pow(10000.0, static_cast<double>(2 * (j / 2)) / static_cast<double>(dim));
      out[static_cast<size_t>(pos * dim + j)] =
          static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
  return out;
}

}  // namespace

EncoderTensors read_distilbert_tensors(const formats::Checkpoint& ckpt, const ModelConfig& cfg) {
  EncoderTensors t;
  const bool computed =
      cfg.sinusoidal_pos_embds && !ckpt.has("embeddings.position_embeddings.weight");
  read_embedding_tensors(ckpt, cfg, cfg.hidden_size, /*read_positions=*/!computed, t);
  if (computed)
    t.position_embeddings = sinusoidal_table(cfg.max_position_embeddings, cfg.hidden_size);
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    t.layers.push_back(read_layer_tensors(ckpt, "transformer.layer." + std::to_string(l) + ".",
                                          kDistilLayerNames, cfg, cfg.heads_in_layer(l)));
    t.layer_order.push_back(l);
  }
  return t;
}

}  // namespace lightbert::models
