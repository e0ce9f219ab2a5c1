// tokenizer/string_id_map.cpp: open addressing (linear probing, load <= 1/2) over one key arena.
#include "tokenizer/string_id_map.h"

#include <cstring>

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
  if (n >= 4) {  // 4..7 bytes: two overlapping 4-byte loads
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    h = (h ^ (uint64_t{lo} | (uint64_t{hi} << 32))) * 0xC4CEB9FE1A85EC53ULL;
  } else if (n > 0) {  // 1..3 bytes
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    const uint64_t w = uint64_t{u[0]} | (uint64_t{u[n / 2]} << 8) | (uint64_t{u[n - 1]} << 16);
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
