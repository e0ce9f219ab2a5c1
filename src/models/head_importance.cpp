// models/head_importance.cpp: see head_importance.h.
#include "models/head_importance.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "lightbert/error.h"
#include "models/bert.h"

namespace lightbert::models {
namespace {

// Original head indexes of `layer`'s current heads, in order.
std::vector<int> original_heads(const ModelConfig& config, int layer) {
  std::set<int> pruned;
  if (auto it = config.pruned_heads.find(layer); it != config.pruned_heads.end()) {
    pruned.insert(it->second.begin(), it->second.end());
  }
  std::vector<int> out;
  for (int h = 0; h < config.num_attention_heads; ++h) {
    if (pruned.count(h) == 0) out.push_back(h);
  }
  return out;
}

}  // namespace

std::vector<HeadScore> measure_head_importance(const ModelConfig& config,
                                               const EncoderTensors& tensors,
                                               const SequenceBatch& batch,
                                               const kernels::KernelTable& table, int threads) {
  if (tensors.layers.size() != tensors.layer_order.size()) {
    throw Error(ErrorCode::kUnsupported, "head importance: this model's layers share weights");
  }
  const kernels::WeightDtype f32 = kernels::WeightDtype::kF32;
  EncoderOutput base;
  BertModel::from_tensors(config, tensors, table, threads, f32)->forward(batch, base);
  const int64_t h = config.hidden_size, d = config.head_dim();
  const size_t rows = batch.num_tokens();
  std::vector<HeadScore> scores;
  EncoderTensors work = tensors;
  for (size_t l = 0; l < tensors.layers.size(); ++l) {
    const LayerTensors& lt = tensors.layers[l];
    const std::vector<int> originals = original_heads(config, static_cast<int>(l));
    for (int p = 0; p < lt.num_heads; ++p) {
      LinearTensors& qkv = work.layers[l].qkv;
      const int64_t first = 2 * lt.num_heads * d + p * d;  // the head's value rows
      std::fill(qkv.weight.begin() + first * h, qkv.weight.begin() + (first + d) * h, 0.0f);
      std::fill(qkv.bias.begin() + first, qkv.bias.begin() + first + d, 0.0f);
      EncoderOutput ablated;
      BertModel::from_tensors(config, work, table, threads, f32)->forward(batch, ablated);
      qkv = lt.qkv;  // restore
      double sum = 0.0;
      for (size_t r = 0; r < rows; ++r) {
        sum += 1.0 - row_cosine(base.last_hidden_state.data() + r * h,
                                ablated.last_hidden_state.data() + r * h, h);
      }
      scores.push_back({static_cast<int>(l), originals[static_cast<size_t>(p)],
                        rows == 0 ? 0.0 : sum / static_cast<double>(rows)});
    }
  }
  return scores;
}

double row_cosine(const float* a, const float* b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  const double denom = std::sqrt(aa) * std::sqrt(bb);
  return denom > 0 ? ab / denom : 1.0;
}

std::map<int, std::vector<int>> choose_heads_to_prune(const std::vector<HeadScore>& scores,
                                                      const ModelConfig& config, double ratio) {
  if (!(ratio >= 0.0 && ratio < 1.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--prune-heads-ratio must be in [0, 1), got " + std::to_string(ratio));
  }
  std::vector<HeadScore> order = scores;
  std::stable_sort(order.begin(), order.end(), [](const HeadScore& a, const HeadScore& b) {
    if (a.importance != b.importance) return a.importance < b.importance;
    return a.layer != b.layer ? a.layer < b.layer : a.head < b.head;
  });
  const size_t target = static_cast<size_t>(std::floor(ratio * static_cast<double>(scores.size())));
  std::map<int, int> left;
  for (const HeadScore& s : scores) ++left[s.layer];
  std::map<int, std::vector<int>> out;
  size_t chosen = 0;
  for (const HeadScore& s : order) {
    if (chosen == target) break;
    if (left[s.layer] <= 1) continue;
    --left[s.layer];
    out[s.layer].push_back(s.head);
    ++chosen;
  }
  for (auto& [layer, heads] : out) std::sort(heads.begin(), heads.end());
  return out;
}

}  // namespace lightbert::models
