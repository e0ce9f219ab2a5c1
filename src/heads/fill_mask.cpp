// heads/fill_mask.cpp: see fill_mask.h.
#include "heads/fill_mask.h"

#include <cmath>

#include "lightbert/error.h"

namespace lightbert::heads {

MaskedLmHead MaskedLmHead::load(const std::string& dir, const ModelConfig& config) {
  const std::string task = "fill-mask";
  require_task(dir, config, task, {"ForMaskedLM", "ForPreTraining"});
  formats::Checkpoint ck = open_head_checkpoint(dir);
  const int64_t h = config.hidden_size, v = config.vocab_size;
  MaskedLmHead m;
  m.dense = read_linear(ck, "cls.predictions.transform.dense", config.hidden_size,
                        config.hidden_size, task, config);
  std::vector<int64_t> hs{h};
  m.ln_gamma = read_head_tensor(ck, "cls.predictions.transform.LayerNorm.weight", hs, task, config);
  m.ln_beta = read_head_tensor(ck, "cls.predictions.transform.LayerNorm.bias", hs, task, config);
  std::vector<int64_t> ws{v, h}, bs{v};
  if (ck.has("cls.predictions.decoder.weight")) {
    m.decoder = read_head_tensor(ck, "cls.predictions.decoder.weight", ws, task, config);
  } else {
    formats::Checkpoint tied = open_model_checkpoint(dir);  // "bert." prefixes too
    if (!tied.has("embeddings.word_embeddings.weight")) {
      throw Error(ErrorCode::kNotFound,
                  dir +
                      ": the fill-mask head needs tensor 'cls.predictions.decoder.weight' or the "
                      "tied 'embeddings.word_embeddings.weight'; neither is in the checkpoint");
    }
    m.decoder = tied.read_f32("embeddings.word_embeddings.weight", ws);
  }
  const char* bias_name = ck.has("cls.predictions.bias") || !ck.has("cls.predictions.decoder.bias")
                              ? "cls.predictions.bias"
                              : "cls.predictions.decoder.bias";
  m.bias = read_head_tensor(ck, bias_name, bs, task, config);
  m.vocab_size = config.vocab_size;
  m.act = config.hidden_act;
  m.eps = config.layer_norm_eps;
  return m;
}

void MaskedLmHead::logits(const float* hidden, float* out) const {
  const size_t h = static_cast<size_t>(dense.in);
  std::vector<float> y(h);
  dense.apply(hidden, y.data());
  std::vector<double> z(h);
  double mean = 0.0;
  for (size_t i = 0; i < h; ++i) {
    const double x = y[i];
    switch (act) {
      case Activation::kGelu:
        z[i] = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        break;
      case Activation::kGeluNew:
        z[i] = 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
        break;
      case Activation::kRelu:
        z[i] = x > 0 ? x : 0.0;
        break;
    }
    mean += z[i];
  }
  mean /= static_cast<double>(h);
  double var = 0.0;
  for (size_t i = 0; i < h; ++i) var += (z[i] - mean) * (z[i] - mean);
  var /= static_cast<double>(h);
  const double inv = 1.0 / std::sqrt(var + eps);
  std::vector<float> t(h);
  for (size_t i = 0; i < h; ++i)
    t[i] = static_cast<float>((z[i] - mean) * inv * ln_gamma[i] + ln_beta[i]);
  for (size_t r = 0; r < static_cast<size_t>(vocab_size); ++r) {
    const float* w = decoder.data() + r * h;
    double s = bias[r];
    for (size_t i = 0; i < h; ++i) s += static_cast<double>(w[i]) * t[i];
    out[r] = static_cast<float>(s);
  }
}

}  // namespace lightbert::heads
