// tokenizer/string_id_map.cpp: open addressing (linear probing, load <= 1/2) over one key arena.
#include "tokenizer/string_id_map.h"

#include <cstring>

#include "tokenizer/unicode_text.h"

namespace lightbert::tokenizer {

uint64_t StringIdMap::hash(std::string_view key) {
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xC2B2AE3D27D4EB4FULL);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 29;
  return h;
}

StringIdMap::StringIdMap(const std::vector<std::pair<std::string_view, int32_t>>& entries) {
  size_t capacity = 16;
  while (capacity < entries.size() * 2) capacity *= 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  size_t bytes = 0;
  for (const auto& e : entries) bytes += e.first.size();
  arena_.reserve(bytes);
  for (const auto& [key, id] : entries) {
    const uint64_t h = hash(key);
    const auto tag = static_cast<uint32_t>(h >> 32);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s.tag = tag;
        s.length = static_cast<uint32_t>(key.size());
        s.offset = static_cast<uint32_t>(arena_.size());
        s.id = id;
        arena_.append(key);
        ++size_;
        const size_t cps = count_code_points(key);
        if (cps > max_key_code_points_) max_key_code_points_ = cps;
        break;
      }
      if (s.tag == tag && s.length == key.size() &&
          std::string_view(arena_.data() + s.offset, s.length) == key) {
        s.id = id;  // a later duplicate wins
        break;
      }
    }
  }
}

}  // namespace lightbert::tokenizer
