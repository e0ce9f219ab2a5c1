// models/electra_tensors.cpp: read_electra_tensors (family_tensors.h). Contract: as
// modeling_electra.ElectraModel: ElectraEmbeddings of width embedding_size (word, position,
// token type, LayerNorm), then embeddings_project [hidden, embedding_size] only when
// embedding_size != hidden_size, then BERT layers (encoder.layer.N.*); no pooler (a checkpoint's
// discriminator / generator heads are ignored).
#include "models/family_tensors.h"

namespace lightbert::models {

EncoderTensors read_electra_tensors(const formats::Checkpoint& ckpt, const ModelConfig& cfg) {
  EncoderTensors t;
  read_embedding_tensors(ckpt, cfg, cfg.embedding_size, /*read_positions=*/true, t);
  if (cfg.embedding_size != cfg.hidden_size) {
    t.embedding_projection =
        read_linear_tensors(ckpt, "embeddings_project", cfg.hidden_size, cfg.embedding_size);
  }
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    t.layers.push_back(read_layer_tensors(ckpt, "encoder.layer." + std::to_string(l) + ".",
                                          kBertLayerNames, cfg, cfg.heads_in_layer(l)));
    t.layer_order.push_back(l);
  }
  return t;
}

}  // namespace lightbert::models
