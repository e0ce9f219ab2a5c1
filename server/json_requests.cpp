// server/json_requests.cpp: see json_requests.h.
#include "server/json_requests.h"

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace lightbert::server {

using nlohmann::json;

namespace {
constexpr int kMaxDepth = 32;
}  // namespace

json parse_json_object(const std::string& body) {
  check_json_depth(body, kMaxDepth);
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
    throw bad_request(std::string("request body is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw bad_request("request body must be a JSON object");
  return j;
}

std::vector<std::string> read_string_inputs(const json& j, const char* field, size_t max_inputs) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    throw bad_request(std::string("missing field '") + field + "'");
  }
  std::vector<std::string> out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) {
    throw bad_request(std::string("field '") + field + "' must be a string or an array of strings");
  }
  if (it->empty()) throw ApiError(400, "empty", std::string("field '") + field + "' is empty");
  if (it->size() > max_inputs) {
    throw too_large(std::string("field '") + field + "' has " + std::to_string(it->size()) +
                    " inputs, more than the server's maximum of " + std::to_string(max_inputs));
  }
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_string()) {
      throw bad_request(std::string("field '") + field + "[" + std::to_string(i) +
                        "]' must be a string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<bool> read_bool(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw bad_request(std::string("field '") + field + "' must be a boolean");
  return it->get<bool>();
}

std::optional<std::string> read_string(const json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw bad_request(std::string("field '") + field + "' must be a string");
  return it->get<std::string>();
}

std::optional<int> read_int(const json& j, const char* field, int lo, int hi) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!it->is_number_integer()) {
    throw bad_request(std::string("field '") + field + "' must be an integer in " + range);
  }
  bool in_range;
  if (it->is_number_unsigned()) {  // nlohmann keeps non-negative integers as uint64_t
    const uint64_t v = it->get<uint64_t>();
    in_range = hi >= 0 && v <= static_cast<uint64_t>(hi) && static_cast<int64_t>(v) >= lo;
  } else {
    const int64_t v = it->get<int64_t>();
    in_range = v >= lo && v <= hi;
  }
  if (!in_range) {
    throw bad_request(std::string("field '") + field + "' must be an integer in " + range +
                      ", got " + it->dump());
  }
  return static_cast<int>(it->get<int64_t>());
}

void check_json_depth(const std::string& body, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        throw bad_request("request body is nested deeper than " + std::to_string(max_depth) +
                          " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

EmbedRequest parse_tei_embed(const std::string& body, size_t max_inputs) {
  const json j = parse_json_object(body);
  EmbedRequest r;
  r.inputs = read_string_inputs(j, "inputs", max_inputs);
  if (auto n = read_bool(j, "normalize")) r.normalize = *n;
  r.truncate = read_bool(j, "truncate");
  return r;
}

EmbedRequest parse_openai_embeddings(const std::string& body, size_t max_inputs) {
  const json j = parse_json_object(body);
  EmbedRequest r;
  r.inputs = read_string_inputs(j, "input", max_inputs);
  if (auto m = read_string(j, "model")) r.model = *m;
  if (auto f = read_string(j, "encoding_format"); f && *f != "float") {
    throw bad_request("field 'encoding_format' must be \"float\" (the only one supported), got \"" +
                      *f + "\"");
  }
  read_string(j, "user");  // type-checked only
  return r;
}

}  // namespace lightbert::server
