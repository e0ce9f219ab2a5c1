// formats/json_limits.h: the nesting-depth bound every JSON text lightbert reads goes through
// before it is parsed (docs/limits.md).
// Contract: max_json_depth() is the deepest nesting of arrays / objects accepted: 128 by
// default, or LIGHTBERT_MAX_JSON_DEPTH from the environment (an integer 1..100000; read once per
// process; another value is ignored with the default kept). check_json_depth() scans the text
// once (strings and escapes skipped, nothing allocated) and throws lightbert::Error(kFormat)
// naming `source` when an array or object opens deeper than that, before any recursive code
// (nlohmann's dump, copy, comparison) can see the value. Text that is not JSON is left to the
// parser's own error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lightbert::formats {

constexpr size_t kDefaultMaxJsonDepth = 128;

size_t max_json_depth();
void check_json_depth(std::string_view text, const std::string& source);
inline void check_json_depth(const void* data, size_t size, const std::string& source) {
  check_json_depth(std::string_view(static_cast<const char*>(data), size), source);
}

}  // namespace lightbert::formats
