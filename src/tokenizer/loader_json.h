// tokenizer/loader_json.h: file and JSON field readers shared by the tokenizer loaders.
// Contract: every reader throws lightbert::Error naming the file (`path`) and the field: kIo when
// a file cannot be read, kFormat for invalid JSON, a wrong type or an out-of-range value. Absent
// or null fields keep the given fallback.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"

namespace lightbert::tokenizer::loader {

bool file_exists(const std::string& path);
std::string read_text(const std::string& path);
nlohmann::json parse_json(const std::string& path);  // the top level must be an object
[[noreturn]] void bad_field(const std::string& path, const std::string& field,
                            const std::string& what, ErrorCode code = ErrorCode::kFormat);
bool get_bool(const nlohmann::json& obj, const char* key, bool fallback, const std::string& path,
              const std::string& prefix = "");
std::string get_string(const nlohmann::json& obj, const char* key, const std::string& fallback,
                       const std::string& path, const std::string& prefix = "");
int64_t get_int(const nlohmann::json& v, const std::string& path, const std::string& field,
                int64_t lo, int64_t hi);
// A special token of tokenizer_config.json / special_tokens_map.json: a string or
// {"content": ...}.
std::string special_token(const nlohmann::json& cfg, const char* key, const std::string& fallback,
                          const std::string& path);

}  // namespace lightbert::tokenizer::loader
