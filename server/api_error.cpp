// server/api_error.cpp: see api_error.h.
#include "server/api_error.h"

#include "server/json_writer.h"

namespace lightbert::server {

std::string error_body(const std::string& type, const std::string& message) {
  std::string out = "{\"error\":";
  append_json_string(out, message);
  out += ",\"error_type\":";
  append_json_string(out, type);
  out += '}';
  return out;
}

}  // namespace lightbert::server
