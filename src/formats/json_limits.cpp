// formats/json_limits.cpp: see json_limits.h.
#include "formats/json_limits.h"

#include <cstdlib>

#include "lightbert/error.h"

namespace lightbert::formats {

size_t max_json_depth() {
  static const size_t depth = [] {
    const char* env = std::getenv("LIGHTBERT_MAX_JSON_DEPTH");
    if (env == nullptr || *env == '\0') return kDefaultMaxJsonDepth;
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (*end != '\0' || v < 1 || v > 100000) return kDefaultMaxJsonDepth;
    return static_cast<size_t>(v);
  }();
  return depth;
}

void check_json_depth(std::string_view text, const std::string& source) {
  const size_t limit = max_json_depth();
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limit) {
          throw Error(ErrorCode::kFormat,
                      source + ": JSON nests deeper than " + std::to_string(limit) +
                          " levels (at byte " + std::to_string(i) +
                          "; the limit is LIGHTBERT_MAX_JSON_DEPTH, docs/limits.md)");
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
}

}  // namespace lightbert::formats
