// models/bert.cpp: see bert.h.
#include "models/bert.h"

#include <cstring>

#include "formats/checkpoint.h"
#include "models/batch_check.h"
#include "models/model_families.h"
#include "ops/activation.h"
#include "ops/embedding.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace lightbert::models {

using tensor::ConstMatrixView;
using tensor::MatrixView;

std::unique_ptr<BertModel> BertModel::load(const std::string& dir,
                                           const kernels::KernelTable& kernels, int threads,
                                           kernels::WeightDtype dtype) {
  ModelConfig config = ModelConfig::from_json_file(dir + "/config.json");
  formats::Checkpoint checkpoint = formats::Checkpoint::open_folder(dir);
  EncoderTensors tensors = read_encoder_tensors(checkpoint, config);
  return from_tensors(std::move(config), tensors, kernels, threads, dtype);
}

std::unique_ptr<BertModel> BertModel::from_tensors(ModelConfig config,
                                                   const EncoderTensors& tensors,
                                                   const kernels::KernelTable& kernels, int threads,
                                                   kernels::WeightDtype dtype) {
  auto model = std::make_unique<BertModel>(std::move(config), kernels, threads);
  model->weights_ = pack_encoder(tensors, model->ctx_, dtype);
  return model;
}

BertModel::BertModel(ModelConfig config, const kernels::KernelTable& kernels, int threads)
    : config_(std::move(config)), pool_(threads) {
  ctx_.kernels = &kernels;
  ctx_.pool = &pool_;
}

void BertModel::run_layer(const BertLayerWeights& lw, int64_t t, int64_t num_sequences,
                          float* layer_out) {
  const int64_t h = config_.hidden_size;
  const int64_t inter = config_.intermediate_size;
  const float eps = config_.layer_norm_eps;
  const int64_t a = static_cast<int64_t>(lw.num_heads) * config_.head_dim();  // attention width
  const MatrixView hidden{hidden_.data(), t, h, h};
  const MatrixView qkv{qkv_.data(), t, 3 * a, 3 * a};
  const MatrixView context{context_.data(), t, a, a};
  const MatrixView attn_out{attn_out_.data(), t, h, h};
  const MatrixView mid{intermediate_.data(), t, inter, inter};
  const MatrixView out{layer_out, t, h, h};

  ops::linear(ctx_, hidden, lw.qkv, qkv);
  ops::self_attention(ctx_, qkv, offsets_.data(), num_sequences, lw.num_heads, context,
                      attention_scratch_);
  // attn_out = LN(context W^T + b + hidden): the GEMM writes without bias into qkv's space.
  const MatrixView dense{qkv_.data(), t, h, h};
  ops::linear(ctx_, context, lw.attn_output, dense, Activation::kNone, /*use_bias=*/false);
  ops::add_bias_residual_layer_norm(ctx_, dense, lw.attn_output.bias.data(), hidden,
                                    lw.attn_ln_gamma.data(), lw.attn_ln_beta.data(), eps, attn_out);
  ops::linear(ctx_, attn_out, lw.intermediate, mid, config_.hidden_act);
  const MatrixView ffn_out{context_.data(), t, h, h};
  ops::linear(ctx_, mid, lw.output, ffn_out, Activation::kNone, /*use_bias=*/false);
  ops::add_bias_residual_layer_norm(ctx_, ffn_out, lw.output.bias.data(), attn_out,
                                    lw.out_ln_gamma.data(), lw.out_ln_beta.data(), eps, out);
}

void BertModel::forward(const SequenceBatch& batch, EncoderOutput& out) {
  check_batch(batch, config_, offsets_);
  const int64_t b = static_cast<int64_t>(batch.num_sequences());
  const int64_t t = offsets_[static_cast<size_t>(b)];
  const int64_t h = config_.hidden_size;
  const size_t th = static_cast<size_t>(t * h);
  hidden_.reserve(th);
  qkv_.reserve(3 * th);
  context_.reserve(th);
  attn_out_.reserve(th);
  intermediate_.reserve(static_cast<size_t>(t * config_.intermediate_size));

  ops::EmbeddingTables tables;
  tables.word = weights_.word_embeddings.data();
  if (!weights_.word_embeddings_i8.empty()) tables.word_i8 = &weights_.word_embeddings_i8;
  tables.position = weights_.position_embeddings.data();
  tables.token_type = weights_.token_type_embeddings.data();
  tables.gamma = weights_.emb_ln_gamma.data();
  tables.beta = weights_.emb_ln_beta.data();
  tables.eps = config_.layer_norm_eps;
  tables.position_offset = weights_.position_offset;
  const int64_t e = weights_.embedding_size;
  const bool project = weights_.has_embedding_projection;
  float* emb = project ? embedded_.reserve(static_cast<size_t>(t * e)) : hidden_.data();
  ops::embed(ctx_, tables, batch.input_ids.data(),
             batch.token_type_ids.empty() ? nullptr : batch.token_type_ids.data(), offsets_.data(),
             b, MatrixView{emb, t, e, e});
  if (project) {
    ops::linear(ctx_, ConstMatrixView{emb, t, e, e}, weights_.embedding_projection,
                MatrixView{hidden_.data(), t, h, h});
  }

  out.hidden_size = static_cast<int>(h);
  out.last_hidden_state.resize(th);
  const size_t layers = weights_.layer_order.size();
  for (size_t l = 0; l < layers; ++l) {
    // The last layer writes straight into the output.
    float* dst = l + 1 == layers ? out.last_hidden_state.data() : hidden_.data();
    run_layer(weights_.layers[static_cast<size_t>(weights_.layer_order[l])], t, b, dst);
  }
  if (layers == 0) std::memcpy(out.last_hidden_state.data(), hidden_.data(), th * sizeof(float));

  out.row_offsets.resize(static_cast<size_t>(b + 1));
  for (int64_t s = 0; s <= b; ++s) {
    out.row_offsets[static_cast<size_t>(s)] =
        static_cast<int32_t>(offsets_[static_cast<size_t>(s)]);
  }

  if (!weights_.has_pooler) {
    out.pooler_output.clear();
    return;
  }
  float* first = pooler_in_.reserve(static_cast<size_t>(b * h));
  for (int64_t s = 0; s < b; ++s) {
    std::memcpy(first + s * h, out.last_hidden_state.data() + offsets_[static_cast<size_t>(s)] * h,
                static_cast<size_t>(h) * sizeof(float));
  }
  out.pooler_output.resize(static_cast<size_t>(b * h));
  ops::linear(ctx_, ConstMatrixView{first, b, h, h}, weights_.pooler,
              MatrixView{out.pooler_output.data(), b, h, h}, Activation::kTanh);
}

}  // namespace lightbert::models
