// tokenizer/loader_json.cpp: file and JSON field readers (see the header).
#include "tokenizer/loader_json.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "formats/json_limits.h"

namespace lightbert::tokenizer::loader {

using nlohmann::json;

bool file_exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kIo, path + ": read failed");
  return ss.str();
}

json parse_json(const std::string& path) {
  const std::string text = read_text(path);
  formats::check_json_depth(text, path);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(ErrorCode::kFormat, path + ": not valid JSON");
  if (!j.is_object()) throw Error(ErrorCode::kFormat, path + ": the top level is not an object");
  return j;
}

void bad_field(const std::string& path, const std::string& field, const std::string& what,
               ErrorCode code) {
  throw Error(code, path + ": field '" + field + "' " + what);
}

// Field readers: absent or null keeps the default; a value of the wrong type is an error.
bool get_bool(const json& obj, const char* key, bool fallback, const std::string& path,
              const std::string& prefix) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) bad_field(path, prefix + key, "must be true or false");
  return it->get<bool>();
}

std::string get_string(const json& obj, const char* key, const std::string& fallback,
                       const std::string& path, const std::string& prefix) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_string()) bad_field(path, prefix + key, "must be a string");
  return it->get<std::string>();
}

int64_t get_int(const json& v, const std::string& path, const std::string& field, int64_t lo,
                int64_t hi) {
  if (!v.is_number_integer()) bad_field(path, field, "must be an integer");
  const int64_t x = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX}
                        ? INT64_MAX
                        : v.get<int64_t>();
  if (x < lo || x > hi) {
    bad_field(path, field,
              "is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return x;
}

std::string special_token(const json& cfg, const char* key, const std::string& fallback,
                          const std::string& path) {
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return (*it)["content"].get<std::string>();
  }
  bad_field(path, key, "must be a string or an object with a string \"content\"");
}

}  // namespace lightbert::tokenizer::loader
