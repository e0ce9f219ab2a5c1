// heads/fill_mask.cpp: see fill_mask.h.
#include "heads/fill_mask.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/kernels.h"
#include "lightbert/error.h"
#include "models/model_families.h"
#include "ops/linear.h"

namespace lightbert::heads {

MaskedLmHead MaskedLmHead::load(const formats::Checkpoint& ck, const std::string& dir,
                                const ModelConfig& config, const kernels::KernelTable& table) {
  const std::string task = "fill-mask";
  const formats::MlmLayout& l = head_family(dir, config, task).mlm;
  if (l.pretraining_has_mlm) {
    require_task(dir, config, task, {"ForMaskedLM", "ForPreTraining"});
  } else {
    require_task(dir, config, task, {"ForMaskedLM"});
  }
  const int h = static_cast<int>(config.hidden_size);
  const int e = l.to_embedding_size && config.embedding_size > 0
                    ? static_cast<int>(config.embedding_size)
                    : h;
  const int64_t v = config.vocab_size;
  MaskedLmHead m;
  m.dense = read_linear(ck, l.dense, e, h, task, config, table);
  std::vector<int64_t> es{e};
  m.ln_gamma = read_head_tensor(ck, l.norm + ".weight", es, task, config);
  m.ln_beta = read_head_tensor(ck, l.norm + ".bias", es, task, config);
  std::vector<int64_t> ws{v, e}, bs{v};
  std::vector<float> decoder;  // [V, E]
  if (ck.has(l.decoder)) {
    decoder = read_head_tensor(ck, l.decoder, ws, task, config);
  } else {
    // The tied word embeddings under the family's base-model prefixes, tried in order.
    const std::string tied_name = "embeddings.word_embeddings.weight";
    const std::vector<std::string> prefixes = models::checkpoint_prefixes(config);
    std::string tied;
    for (const std::string& p : prefixes) {
      if (ck.has(p + tied_name)) {
        tied = p + tied_name;
        break;
      }
    }
    if (tied.empty()) {
      throw Error(ErrorCode::kNotFound, checkpoint_files(ck) +
                                            ": the fill-mask head needs tensor '" + l.decoder +
                                            "' or the tied '" + prefixes[1] + tied_name +
                                            "'; neither is in the checkpoint");
    }
    decoder = ck.read_f32(tied, ws);
  }

  const std::string& bias_name =
      !l.bias_alt.empty() && !ck.has(l.bias) && ck.has(l.bias_alt) ? l.bias_alt : l.bias;
  const std::vector<float> bias = read_head_tensor(ck, bias_name, bs, task, config);
  const ops::OpContext pack_ctx{&table, nullptr};  // packing reads only the kernel table
  m.decoder = ops::pack_linear(pack_ctx, decoder.data(), v, e, bias.data());
  m.vocab_size = static_cast<int>(v);
  m.act = head_activation(l.act, config);
  m.eps = l.fixed_eps > 0.0 ? l.fixed_eps : config.layer_norm_eps;
  return m;
}

namespace {

// In place: each row of y = LayerNorm(row) * gamma + beta, statistics in double.
void layer_norm_rows(const MaskedLmHead& m, tensor::MatrixView y) {
  const auto e = static_cast<size_t>(y.cols);
  for (int64_t r = 0; r < y.rows; ++r) {
    float* z = y.row(r);
    double mean = 0.0;
    for (size_t i = 0; i < e; ++i) mean += z[i];
    mean /= static_cast<double>(e);
    double var = 0.0;
    for (size_t i = 0; i < e; ++i) var += (z[i] - mean) * (z[i] - mean);
    var /= static_cast<double>(e);
    const double inv = 1.0 / std::sqrt(var + m.eps);
    for (size_t i = 0; i < e; ++i)
      z[i] = static_cast<float>((z[i] - mean) * inv * m.ln_gamma[i] + m.ln_beta[i]);
  }
}

}  // namespace

void MaskedLmHead::logits(const ops::OpContext& ctx, const std::vector<const float*>& hidden_rows,
                          const std::vector<float*>& outs) const {
  if (outs.size() != hidden_rows.size()) {
    throw Error(ErrorCode::kInternal, "MaskedLmHead::logits: " + std::to_string(outs.size()) +
                                          " outputs for " + std::to_string(hidden_rows.size()) +
                                          " rows");
  }
  const auto h = static_cast<size_t>(dense.in), e = static_cast<size_t>(dense.out);
  const auto v = static_cast<size_t>(vocab_size);
  const auto m = static_cast<int64_t>(hidden_rows.size());
  if (m == 0) return;
  tensor::AlignedBuffer x_buf, t_buf, c_buf;
  float* x = x_buf.reserve(hidden_rows.size() * h);
  for (size_t i = 0; i < hidden_rows.size(); ++i)
    std::copy(hidden_rows[i], hidden_rows[i] + h, x + i * h);
  const tensor::MatrixView t{t_buf.reserve(hidden_rows.size() * e), m, dense.out, dense.out};
  dense.apply(ctx, tensor::ConstMatrixView{x, m, dense.in, dense.in}, t, act);
  layer_norm_rows(*this, t);
  float* c = c_buf.reserve(hidden_rows.size() * v);
  ops::linear(ctx, t, decoder, tensor::MatrixView{c, m, vocab_size, vocab_size});
  for (size_t i = 0; i < hidden_rows.size(); ++i) std::copy(c + i * v, c + (i + 1) * v, outs[i]);
}

}  // namespace lightbert::heads
