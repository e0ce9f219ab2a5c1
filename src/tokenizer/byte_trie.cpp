// tokenizer/byte_trie.cpp: construction of the ByteTrie from sorted keys (see the header).
#include "tokenizer/byte_trie.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

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

  // Builds the node for keys[lo, hi), which share their first `depth` bytes, depth first with an
  // explicit stack (a key may be as long as a vocabulary line, so no recursion per byte). A node's
  // edges are appended in one block once all its children exist, so they are contiguous.
  struct Frame {
    uint32_t index;  // of the node being built
    size_t next;     // first key not yet given to a child
    size_t hi;
    size_t depth;
    std::vector<std::pair<unsigned char, uint32_t>> edges;
  };
  std::vector<Frame> stack;
  const auto open_node = [&](size_t lo, size_t hi, size_t depth) {
    const auto index = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
    if (keys[lo].text.size() == depth) nodes_[index].id = keys[lo++].id;
    stack.push_back(Frame{index, lo, hi, depth, {}});
    return index;
  };
  const uint32_t root = open_node(0, keys.size(), 0);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next < f.hi) {  // the next child: the keys sharing the next byte
      const size_t lo = f.next;
      const auto b = static_cast<unsigned char>(keys[lo].text[f.depth]);
      size_t end = lo + 1;
      while (end < f.hi && static_cast<unsigned char>(keys[end].text[f.depth]) == b) ++end;
      f.next = end;
      f.edges.emplace_back(b, static_cast<uint32_t>(nodes_.size()));
      const size_t depth = f.depth + 1;
      open_node(lo, end, depth);  // may reallocate `stack`: `f` is not used after this
      continue;
    }
    Node& nd = nodes_[f.index];
    nd.first_edge = static_cast<uint32_t>(edge_bytes_.size());
    nd.n_edges = static_cast<uint32_t>(f.edges.size());
    for (const auto& [b, target] : f.edges) {
      edge_bytes_.push_back(b);
      edge_targets_.push_back(target);
    }
    stack.pop_back();
  }
  const Node& r = nodes_[root];
  for (uint32_t k = 0; k < r.n_edges; ++k) {
    root_[edge_bytes_[r.first_edge + k]] = edge_targets_[r.first_edge + k];
  }
}

}  // namespace lightbert::tokenizer
