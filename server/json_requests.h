// server/json_requests.h: parsing and validating the JSON bodies of the embedding endpoints.
// Contract: parse_tei_embed() reads TEI's /embed body {"inputs": str | [str], "normalize"?:
// bool (default true, as TEI), "truncate"?: bool}; parse_openai_embeddings() reads OpenAI's
// /v1/embeddings body {"input": str | [str], "model"?: str, "encoding_format"?: "float",
// "user"?: str}. Unknown fields are ignored (as TEI and OpenAI do). Every problem throws
// ApiError naming the field: 400 "validation" for malformed JSON (invalid UTF-8 included),
// nesting deeper than 32, wrong types; 400 "empty" for an empty list; 413 "validation" for
// more than `max_inputs` inputs. Never crashes on any byte string.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lightbert::server {

struct EmbedRequest {
  std::vector<std::string> inputs;
  bool normalize = true;
  std::optional<bool> truncate;  // unset: the server's default (no truncation)
  std::string model;             // OpenAI's "model", echoed back; empty when absent
};

EmbedRequest parse_tei_embed(const std::string& body, size_t max_inputs);
EmbedRequest parse_openai_embeddings(const std::string& body, size_t max_inputs);

// Building blocks, shared with the task-head requests (head_requests.h). Each throws ApiError
// naming `field` as described above.
nlohmann::json parse_json_object(const std::string& body);  // depth-checked; must be an object
// `field` holds a string or a non-empty array of at most `max_inputs` strings.
std::vector<std::string> read_string_inputs(const nlohmann::json& j, const char* field,
                                            size_t max_inputs);
std::optional<bool> read_bool(const nlohmann::json& j, const char* field);
std::optional<std::string> read_string(const nlohmann::json& j, const char* field);
// An integer in [lo, hi] (a float such as 3.0 is refused, as JSON schema's "integer" would).
std::optional<int> read_int(const nlohmann::json& j, const char* field, int lo, int hi);

// Rejects bodies nested deeper than `max_depth` arrays/objects before any parsing (a 2 MB body
// of '[' would otherwise build a million nested values).
void check_json_depth(const std::string& body, int max_depth);

}  // namespace lightbert::server
