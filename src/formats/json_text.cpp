// formats/json_text.cpp: message helpers (see json_text.h).
#include "formats/json_text.h"

#include <cstdio>

namespace lightbert::formats {

std::string one_line(std::string_view text, size_t limit) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string quote_name(std::string_view text) {
  return "'" + one_line(text, 120) + "'";
}

std::string brief(const nlohmann::json& value) {
  // The replace handler keeps dump() from throwing on invalid UTF-8 inside strings.
  return one_line(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 80);
}

}  // namespace lightbert::formats
