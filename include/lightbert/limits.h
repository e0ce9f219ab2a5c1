// lightbert/limits.h: the bounds every face applies to untrusted JSON before parsing it
// (docs/limits.md).
// Contract: max_json_depth() is the deepest nesting of arrays / objects accepted: 128 by default,
// or LIGHTBERT_MAX_JSON_DEPTH from the environment (an integer 1..100000, read once per process;
// another value is ignored). check_json_depth(text, source) scans the text once (strings and
// escapes skipped, nothing allocated) and throws lightbert::Error(kFormat) naming `source` when an
// array or object opens deeper than that, before any recursive code can see the value; text that
// is not JSON is left to the parser's own error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lightbert {

size_t max_json_depth();
void check_json_depth(std::string_view text, const std::string& source);

}  // namespace lightbert
