// heads/fill_mask.cpp: see fill_mask.h.
#include "heads/fill_mask.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/kernels.h"
#include "lightbert/error.h"
#include "models/model_families.h"

namespace lightbert::heads {

MaskedLmHead MaskedLmHead::load(const std::string& dir, const ModelConfig& config) {
  const std::string task = "fill-mask";
  const formats::MlmLayout& l = head_family(dir, config, task).mlm;
  if (l.pretraining_has_mlm) {
    require_task(dir, config, task, {"ForMaskedLM", "ForPreTraining"});
  } else {
    require_task(dir, config, task, {"ForMaskedLM"});
  }
  formats::Checkpoint ck = open_head_checkpoint(dir);
  const int h = static_cast<int>(config.hidden_size);
  const int e = l.to_embedding_size && config.embedding_size > 0
                    ? static_cast<int>(config.embedding_size)
                    : h;
  const int64_t v = config.vocab_size;
  MaskedLmHead m;
  m.dense = read_linear(ck, l.dense, e, h, task, config);
  std::vector<int64_t> es{e};
  m.ln_gamma = read_head_tensor(ck, l.norm + ".weight", es, task, config);
  m.ln_beta = read_head_tensor(ck, l.norm + ".bias", es, task, config);
  std::vector<int64_t> ws{v, e}, bs{v};
  std::vector<float> decoder;  // [V, E]
  if (ck.has(l.decoder)) {
    decoder = read_head_tensor(ck, l.decoder, ws, task, config);
  } else {
    formats::Checkpoint tied = open_model_checkpoint(dir);
    tied.set_prefixes(models::checkpoint_prefixes(config));
    const std::string tied_name = "embeddings.word_embeddings.weight";
    if (!tied.has(tied_name)) {
      throw Error(ErrorCode::kNotFound,
                  checkpoint_files(ck) + ": the fill-mask head needs tensor '" + l.decoder +
                      "' or the tied '" + models::checkpoint_prefixes(config)[1] + tied_name +
                      "'; neither is in the checkpoint");
    }
    decoder = tied.read_f32(tied_name, ws);
  }

  const std::string& bias_name =
      !l.bias_alt.empty() && !ck.has(l.bias) && ck.has(l.bias_alt) ? l.bias_alt : l.bias;
  const std::vector<float> bias = read_head_tensor(ck, bias_name, bs, task, config);
  m.decoder =
      kernels::pack_weights(decoder.data(), v, e, bias.data(), kernels::active_kernels().gemm_nr);
  m.vocab_size = static_cast<int>(v);
  m.act = head_activation(l.act, config);
  m.eps = l.fixed_eps > 0.0 ? l.fixed_eps : config.layer_norm_eps;
  return m;
}

namespace {

// LayerNorm(act(dense(x))) of one hidden row, in double, rounded to float.
std::vector<float> transform(const MaskedLmHead& m, const float* hidden) {
  const Linear& dense = m.dense;
  const kernels::Act act = m.act;
  const double eps = m.eps;
  const std::vector<float>& ln_gamma = m.ln_gamma;
  const std::vector<float>& ln_beta = m.ln_beta;
  const size_t e = static_cast<size_t>(dense.out);
  std::vector<float> y(e);
  dense.apply(hidden, y.data());
  std::vector<double> z(e);
  double mean = 0.0;
  for (size_t i = 0; i < e; ++i) {
    z[i] = activate(act, y[i]);
    mean += z[i];
  }
  mean /= static_cast<double>(e);
  double var = 0.0;
  for (size_t i = 0; i < e; ++i) var += (z[i] - mean) * (z[i] - mean);
  var /= static_cast<double>(e);
  const double inv = 1.0 / std::sqrt(var + eps);
  std::vector<float> t(e);
  for (size_t i = 0; i < e; ++i)
    t[i] = static_cast<float>((z[i] - mean) * inv * ln_gamma[i] + ln_beta[i]);
  return t;
}

}  // namespace

void MaskedLmHead::logits(const float* hidden, float* out) const {
  logits(std::vector<const float*>{hidden}, std::vector<float*>{out});
}

void MaskedLmHead::logits(const std::vector<const float*>& hidden_rows,
                          const std::vector<float*>& outs) const {
  if (outs.size() != hidden_rows.size()) {
    throw Error(ErrorCode::kInternal, "MaskedLmHead::logits: " + std::to_string(outs.size()) +
                                          " outputs for " + std::to_string(hidden_rows.size()) +
                                          " rows");
  }
  const size_t e = static_cast<size_t>(dense.out);
  const size_t v = static_cast<size_t>(vocab_size);
  const size_t m = hidden_rows.size();
  std::vector<float> t(m * e);
  for (size_t i = 0; i < m; ++i) {
    const std::vector<float> ti = transform(*this, hidden_rows[i]);
    std::copy(ti.begin(), ti.end(), t.begin() + static_cast<std::ptrdiff_t>(i * e));
  }
  std::vector<float> c(m * v);
  const kernels::KernelTable& table = kernels::active_kernels();
  kernels::SgemmArgs g;
  g.m = static_cast<int64_t>(m);
  g.a = t.data();
  g.lda = static_cast<int64_t>(e);
  g.w = &decoder;
  g.c = c.data();
  g.ldc = static_cast<int64_t>(v);
  table.sgemm_tile(g, 0, g.m, 0, decoder.num_panels());
  for (size_t i = 0; i < m; ++i) std::copy(c.data() + i * v, c.data() + (i + 1) * v, outs[i]);
}

}  // namespace lightbert::heads
