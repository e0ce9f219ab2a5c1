// tokenizer/string_id_map.h: an immutable string -> id hash map for vocabulary look-ups.
// Contract: built once from (string, id) pairs (a later duplicate key replaces the earlier id, as
// Hugging Face's vocab loaders do); find() takes a string_view, allocates nothing and is safe to
// call from many threads. Keys are copied into one arena owned by the map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lightbert::tokenizer {

class StringIdMap {
 public:
  StringIdMap() = default;
  explicit StringIdMap(const std::vector<std::pair<std::string_view, int32_t>>& entries);

  // The id of `key`, or -1.
  int32_t find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash(key);
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.tag == tag && s.length == key.size() &&
          std::string_view(arena_.data() + s.offset, s.length) == key) {
        return s.id;
      }
    }
  }

  size_t size() const { return size_; }

  static uint64_t hash(std::string_view key);

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t length = 0;
    uint32_t offset = 0;
    int32_t id = -1;
  };

  std::string arena_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace lightbert::tokenizer
