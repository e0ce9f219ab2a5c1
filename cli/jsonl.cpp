// cli/jsonl.cpp: see jsonl.h.
#include "jsonl.h"

#include <cerrno>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "lightbert/limits.h"

namespace lightbert::cli {

namespace {

using nlohmann::json;

Error line_error(size_t line_no, const std::string& msg) {
  return Error(ErrorCode::kInvalidArgument, "stdin line " + std::to_string(line_no) + ": " + msg);
}

std::vector<int32_t> int_array(const json& j, const char* field, size_t line_no) {
  if (!j.is_array())
    throw line_error(line_no, std::string("field '") + field + "' must be an array of integers");
  std::vector<int32_t> v;
  v.reserve(j.size());
  for (const json& x : j) {
    if (!x.is_number_integer()) {
      throw line_error(line_no, std::string("field '") + field + "' must be an array of integers");
    }
    const long long y = x.get<long long>();
    if (y < std::numeric_limits<int32_t>::min() || y > std::numeric_limits<int32_t>::max()) {
      throw line_error(line_no, std::string("field '") + field +
                                    "' has a value out of range: " + std::to_string(y));
    }
    v.push_back(static_cast<int32_t>(y));
  }
  return v;
}

}  // namespace

bool next_line(std::istream& in, std::string& line, size_t& line_no) {
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) return true;
  }
  return false;
}

InputLine parse_input(const std::string& line, size_t line_no, bool allow_ids) {
  json j;
  try {
    check_json_depth(line, "stdin line " + std::to_string(line_no));
  } catch (const Error& e) {
    throw Error(ErrorCode::kInvalidArgument, e.what());
  }
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    throw line_error(line_no, std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) throw line_error(line_no, "expected a JSON object");
  InputLine in;
  in.line_no = line_no;
  const bool has_text = j.contains("text");
  const bool has_ids = j.contains("input_ids");
  if (has_text == has_ids) {
    throw line_error(
        line_no, allow_ids ? "give exactly one of 'text' and 'input_ids'" : "missing field 'text'");
  }
  if (has_ids) {
    if (!allow_ids) throw line_error(line_no, "this command takes 'text', not 'input_ids'");
    in.input_ids = int_array(j["input_ids"], "input_ids", line_no);
    if (j.contains("token_type_ids")) {
      in.token_type_ids = int_array(j["token_type_ids"], "token_type_ids", line_no);
      if (in.token_type_ids.size() != in.input_ids.size()) {
        throw line_error(line_no,
                         "field 'token_type_ids' has " + std::to_string(in.token_type_ids.size()) +
                             " entries, 'input_ids' " + std::to_string(in.input_ids.size()));
      }
    }
    if (in.input_ids.empty()) throw line_error(line_no, "field 'input_ids' is empty");
    return in;
  }
  if (!j["text"].is_string()) throw line_error(line_no, "field 'text' must be a string");
  TextInput t;
  t.text = j["text"].get<std::string>();
  if (j.contains("text_pair") && !j["text_pair"].is_null()) {
    if (!j["text_pair"].is_string())
      throw line_error(line_no, "field 'text_pair' must be a string");
    t.text_pair = j["text_pair"].get<std::string>();
  }
  in.text = std::move(t);
  return in;
}

void check_output(const std::ostream& out, const char* name) {
  if (out) return;
  const int err = errno;
  throw Error(ErrorCode::kIo, std::string(name) + ": cannot write: " +
                                  (err != 0 ? std::strerror(err) : "write failed"));
}

void append_ints(std::string& out, const int32_t* v, size_t n) {
  out += '[';
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    out += std::to_string(v[i]);
  }
  out += ']';
}

}  // namespace lightbert::cli
