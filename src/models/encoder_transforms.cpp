// models/encoder_transforms.cpp: see encoder_transforms.h.
#include "models/encoder_transforms.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "lightbert/error.h"

namespace lightbert::models {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, what);
}

// Keeps rows (of `cols` floats each) whose index has keep[row] true.
std::vector<float> keep_rows(const std::vector<float>& src, int64_t cols,
                             const std::vector<bool>& keep) {
  std::vector<float> out;
  for (size_t r = 0; r < keep.size(); ++r) {
    if (keep[r]) out.insert(out.end(), src.begin() + r * cols, src.begin() + (r + 1) * cols);
  }
  return out;
}

std::vector<float> keep_cols(const std::vector<float>& src, int64_t rows,
                             const std::vector<bool>& keep) {
  std::vector<float> out;
  const int64_t cols = static_cast<int64_t>(keep.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      if (keep[static_cast<size_t>(c)]) out.push_back(src[static_cast<size_t>(r * cols + c)]);
    }
  }
  return out;
}

int parse_int(const std::string& text, const std::string& what) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0 || v > 1 << 20) {
    fail(what + ": '" + text + "' is not a non-negative integer");
  }
  return static_cast<int>(v);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) parts.push_back(item);
  return parts;
}

}  // namespace

void prune_heads(EncoderTensors& t, ModelConfig& cfg,
                 const std::map<int, std::vector<int>>& heads) {
  for (size_t i = 0; i < t.layer_order.size(); ++i) {
    if (t.layer_order[i] != static_cast<int>(i) || t.layers.size() != t.layer_order.size()) {
      throw Error(ErrorCode::kUnsupported, "prune heads: this model's layers share weights");
    }
  }
  const int64_t d = cfg.head_dim();
  for (const auto& [layer, list] : heads) {
    if (layer < 0 || layer >= static_cast<int>(t.layers.size())) {
      fail("prune heads: layer " + std::to_string(layer) + " is not in 0.." +
           std::to_string(t.layers.size() - 1));
    }
    std::set<int> already;
    if (auto it = cfg.pruned_heads.find(layer); it != cfg.pruned_heads.end()) {
      already.insert(it->second.begin(), it->second.end());
    }
    std::set<int> remove;
    for (int head : list) {
      if (head < 0 || head >= cfg.num_attention_heads) {
        fail("prune heads: layer " + std::to_string(layer) + " has no head " +
             std::to_string(head) + " (heads 0.." + std::to_string(cfg.num_attention_heads - 1) +
             ")");
      }
      if (already.count(head) == 0) remove.insert(head);
    }
    if (remove.empty()) continue;
    LayerTensors& lt = t.layers[static_cast<size_t>(layer)];
    if (static_cast<int>(remove.size()) >= lt.num_heads) {
      throw Error(ErrorCode::kUnsupported,
                  "prune heads: layer " + std::to_string(layer) + " would keep no head");
    }
    // Current position of an original head = head - (already pruned heads below it).
    std::vector<bool> keep_head(static_cast<size_t>(lt.num_heads), true);
    for (int head : remove) {
      int below = 0;
      for (int a : already) below += a < head ? 1 : 0;
      keep_head[static_cast<size_t>(head - below)] = false;
    }
    std::vector<bool> keep_dim;  // per row of Q (and column of the output dense)
    for (bool k : keep_head) keep_dim.insert(keep_dim.end(), static_cast<size_t>(d), k);
    std::vector<bool> keep_qkv;
    for (int part = 0; part < 3; ++part)
      keep_qkv.insert(keep_qkv.end(), keep_dim.begin(), keep_dim.end());

    lt.qkv.weight = keep_rows(lt.qkv.weight, lt.qkv.in, keep_qkv);
    std::vector<float> bias;
    for (size_t r = 0; r < keep_qkv.size(); ++r) {
      if (keep_qkv[r]) bias.push_back(lt.qkv.bias[r]);
    }
    lt.qkv.bias = std::move(bias);
    lt.num_heads -= static_cast<int>(remove.size());
    lt.qkv.out = 3 * lt.num_heads * d;
    lt.attn_output.weight = keep_cols(lt.attn_output.weight, lt.attn_output.out, keep_dim);
    lt.attn_output.in = lt.num_heads * d;

    already.insert(remove.begin(), remove.end());
    cfg.pruned_heads[layer] = std::vector<int>(already.begin(), already.end());
  }
}

void keep_layers(EncoderTensors& t, ModelConfig& cfg, const std::vector<int>& keep) {
  const int depth = static_cast<int>(t.layer_order.size());
  if (keep.empty()) fail("keep layers: the list is empty");
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i] < 0 || keep[i] >= depth) {
      fail("keep layers: layer " + std::to_string(keep[i]) + " is not in 0.." +
           std::to_string(depth - 1));
    }
    if (i > 0 && keep[i] <= keep[i - 1]) fail("keep layers: the list must be strictly increasing");
  }
  std::vector<int> order;
  std::map<int, std::vector<int>> pruned;
  for (size_t i = 0; i < keep.size(); ++i) {
    order.push_back(t.layer_order[static_cast<size_t>(keep[i])]);
    if (auto it = cfg.pruned_heads.find(keep[i]); it != cfg.pruned_heads.end()) {
      pruned[static_cast<int>(i)] = it->second;
    }
  }
  // Drop layer tensors no kept depth uses; renumber the rest.
  std::vector<int> remap(t.layers.size(), -1);
  std::vector<LayerTensors> layers;
  for (int& idx : order) {
    if (remap[static_cast<size_t>(idx)] < 0) {
      remap[static_cast<size_t>(idx)] = static_cast<int>(layers.size());
      layers.push_back(std::move(t.layers[static_cast<size_t>(idx)]));
    }
    idx = remap[static_cast<size_t>(idx)];
  }
  t.layers = std::move(layers);
  t.layer_order = std::move(order);
  cfg.num_hidden_layers = static_cast<int>(keep.size());
  cfg.pruned_heads = std::move(pruned);
}

std::map<int, std::vector<int>> parse_head_spec(const std::string& spec) {
  std::map<int, std::vector<int>> out;
  for (const std::string& group : split(spec, ';')) {
    if (group.empty()) continue;
    const size_t colon = group.find(':');
    if (colon == std::string::npos) fail("--prune-heads: '" + group + "' is not LAYER:HEAD,...");
    const int layer = parse_int(group.substr(0, colon), "--prune-heads layer");
    for (const std::string& h : split(group.substr(colon + 1), ',')) {
      out[layer].push_back(parse_int(h, "--prune-heads head"));
    }
    if (out[layer].empty())
      fail("--prune-heads: layer " + std::to_string(layer) + " lists no head");
  }
  if (out.empty()) fail("--prune-heads: no heads given");
  return out;
}

std::vector<int> parse_layer_list(const std::string& spec) {
  std::vector<int> out;
  for (const std::string& p : split(spec, ',')) out.push_back(parse_int(p, "--keep-layers"));
  if (out.empty()) fail("--keep-layers: no layers given");
  return out;
}

}  // namespace lightbert::models
