// models/bert_weights.cpp: see bert_weights.h.
#include "models/bert_weights.h"

#include <cstring>

#include "ops/linear.h"

namespace lightbert::models {

tensor::AlignedBuffer to_aligned(const std::vector<float>& v) {
  tensor::AlignedBuffer buf;
  if (!v.empty()) std::memcpy(buf.reserve(v.size()), v.data(), v.size() * sizeof(float));
  return buf;
}

namespace {

kernels::PackedWeights pack(const LinearTensors& t, const ops::OpContext& ctx,
                            kernels::WeightDtype dtype) {
  return ops::pack_linear(ctx, t.weight.data(), t.out, t.in, t.bias.data(),
                          t.keep_float ? kernels::WeightDtype::kF32 : dtype);
}

}  // namespace

BertWeights pack_encoder(const EncoderTensors& t, const ops::OpContext& ctx,
                         kernels::WeightDtype dtype) {
  BertWeights w;
  w.dtype = dtype;
  w.embedding_size = t.embedding_size;
  w.position_offset = t.position_offset;
  if (dtype == kernels::WeightDtype::kI8 && !t.word_embeddings_keep_float) {
    w.word_embeddings_i8 = quant::quantize_table_s8(
        t.word_embeddings.data(), static_cast<int64_t>(t.word_embeddings.size()) / t.embedding_size,
        t.embedding_size);
  } else {
    w.word_embeddings = to_aligned(t.word_embeddings);
  }
  w.position_embeddings = to_aligned(t.position_embeddings);
  w.token_type_embeddings = to_aligned(t.token_type_embeddings);
  w.emb_ln_gamma = to_aligned(t.emb_ln_gamma);
  w.emb_ln_beta = to_aligned(t.emb_ln_beta);
  if (t.embedding_projection) {
    w.has_embedding_projection = true;
    w.embedding_projection = pack(*t.embedding_projection, ctx, dtype);
  }
  for (const LayerTensors& lt : t.layers) {
    BertLayerWeights lw;
    lw.num_heads = lt.num_heads;
    lw.qkv = pack(lt.qkv, ctx, dtype);
    lw.attn_output = pack(lt.attn_output, ctx, dtype);
    lw.attn_ln_gamma = to_aligned(lt.attn_ln_gamma);
    lw.attn_ln_beta = to_aligned(lt.attn_ln_beta);
    lw.intermediate = pack(lt.intermediate, ctx, dtype);
    lw.output = pack(lt.output, ctx, dtype);
    lw.out_ln_gamma = to_aligned(lt.out_ln_gamma);
    lw.out_ln_beta = to_aligned(lt.out_ln_beta);
    w.layers.push_back(std::move(lw));
  }
  w.layer_order = t.layer_order;
  if (t.pooler) {
    w.has_pooler = true;
    w.pooler = pack(*t.pooler, ctx, dtype);
  }
  return w;
}

}  // namespace lightbert::models
