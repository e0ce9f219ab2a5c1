// tokenizer/byte_trie.cpp: construction of the ByteTrie from sorted keys (see the header).
#include "tokenizer/byte_trie.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace lightbert::tokenizer {
namespace {

struct Key {
  std::string_view text;
  int32_t id;
};

}  // namespace

ByteTrie::ByteTrie(const std::vector<std::pair<std::string_view, int32_t>>& entries) {
  root_.fill(kNone);
  // Sorted, one entry per key (the last one given wins).
  std::vector<size_t> order(entries.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return entries[a].first < entries[b].first; });
  std::vector<Key> keys;
  keys.reserve(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& e = entries[order[k]];
    if (e.first.empty()) continue;  // an empty key never matches
    if (!keys.empty() && keys.back().text == e.first) {
      keys.back().id = e.second;
    } else {
      keys.push_back({e.first, e.second});
    }
  }
  if (keys.empty()) return;

  // Builds the node for keys[lo, hi), which share their first `depth` bytes; returns its index.
  // A node's edges are appended in one block once its children exist, so they are contiguous.
  const auto build = [&](auto&& self, size_t lo, size_t hi, size_t depth) -> uint32_t {
    const auto index = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
    if (keys[lo].text.size() == depth) nodes_[index].id = keys[lo++].id;
    std::vector<std::pair<unsigned char, uint32_t>> edges;
    while (lo < hi) {
      const auto b = static_cast<unsigned char>(keys[lo].text[depth]);
      size_t end = lo + 1;
      while (end < hi && static_cast<unsigned char>(keys[end].text[depth]) == b) ++end;
      edges.emplace_back(b, self(self, lo, end, depth + 1));
      lo = end;
    }
    nodes_[index].first_edge = static_cast<uint32_t>(edge_bytes_.size());
    nodes_[index].n_edges = static_cast<uint32_t>(edges.size());
    for (const auto& [b, target] : edges) {
      edge_bytes_.push_back(b);
      edge_targets_.push_back(target);
    }
    return index;
  };
  const uint32_t root = build(build, 0, keys.size(), 0);
  const Node& r = nodes_[root];
  for (uint32_t k = 0; k < r.n_edges; ++k) {
    root_[edge_bytes_[r.first_edge + k]] = edge_targets_[r.first_edge + k];
  }
}

}  // namespace lightbert::tokenizer
