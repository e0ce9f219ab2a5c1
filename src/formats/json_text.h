// formats/json_text.h: short, single-line renderings of names and JSON values for error messages.
// Contract: every function returns printable ASCII on one line (control and non-ASCII bytes are
// escaped), at most about 80 characters of the value, so a message stays one readable line.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lightbert::formats {

// 'text' in single quotes, escaped and shortened.
std::string quote_name(std::string_view text);
// The JSON value as written (e.g. "abc", -3, [1,2], null), escaped and shortened.
std::string brief(const nlohmann::json& value);
// Any text made printable ASCII and kept on one line, shortened to `limit` characters.
std::string one_line(std::string_view text, size_t limit = 200);

}  // namespace lightbert::formats
