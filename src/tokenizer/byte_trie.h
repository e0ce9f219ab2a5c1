// tokenizer/byte_trie.h: an immutable byte trie answering "longest key that is a prefix of this
// text" in one forward walk, for WordPiece's greedy longest-match-first.
// Contract: built once from (key, id) pairs (a later duplicate key replaces the id); longest_prefix
// allocates nothing and is thread-safe. Keys must be valid UTF-8 (the loaders check), so on valid
// UTF-8 text every match ends on a code point boundary. The build is iterative (an explicit
// stack), so a key millions of bytes long costs memory, never stack depth.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace lightbert::tokenizer {

class ByteTrie {
 public:
  ByteTrie() = default;
  explicit ByteTrie(const std::vector<std::pair<std::string_view, int32_t>>& entries);

  // Length in bytes of the longest key that is a prefix of text[0, n), and its id in `id`;
  // 0 (and id -1) when no key is.
  size_t longest_prefix(const char* text, size_t n, int32_t& id) const {
    id = -1;
    if (n == 0 || nodes_.empty()) return 0;
    uint32_t node = root_[static_cast<unsigned char>(text[0])];
    size_t best = 0;
    for (size_t i = 1; node != kNone; ++i) {
      const Node& nd = nodes_[node];
      if (nd.id >= 0) {
        id = nd.id;
        best = i;
      }
      if (i >= n) break;
      node = child(nd, static_cast<unsigned char>(text[i]));
    }
    return best;
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Node {
    uint32_t first_edge = 0;  // edges_[first_edge, first_edge + n_edges), sorted by byte
    uint32_t n_edges = 0;
    int32_t id = -1;
  };

  uint32_t child(const Node& nd, unsigned char b) const {
    const unsigned char* bytes = edge_bytes_.data() + nd.first_edge;
    if (nd.n_edges <= 8) {
      for (uint32_t k = 0; k < nd.n_edges; ++k) {
        if (bytes[k] == b) return edge_targets_[nd.first_edge + k];
      }
      return kNone;
    }
    uint32_t lo = 0, hi = nd.n_edges;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (bytes[mid] < b) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < nd.n_edges && bytes[lo] == b ? edge_targets_[nd.first_edge + lo] : kNone;
  }

  std::array<uint32_t, 256> root_{};
  std::vector<Node> nodes_;
  std::vector<unsigned char> edge_bytes_;
  std::vector<uint32_t> edge_targets_;
};

}  // namespace lightbert::tokenizer
