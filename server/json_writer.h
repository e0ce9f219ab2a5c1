// server/json_writer.h: small appenders for the JSON the server writes by hand (hot paths).
// Contract: append_float writes the shortest decimal that round-trips float32 (null for
// non-finite values, which JSON lacks); append_json_string writes a quoted, escaped string
// with invalid UTF-8 replaced by U+FFFD, so output is always valid JSON.
#pragma once

#include <cstddef>
#include <string>

namespace lightbert::server {

void append_float(std::string& out, float v);
void append_floats(std::string& out, const float* v, size_t n);  // [a,b,...]
void append_json_string(std::string& out, const std::string& s);

}  // namespace lightbert::server
