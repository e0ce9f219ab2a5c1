// server/head_requests.cpp: see head_requests.h.
#include "server/head_requests.h"

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "server/api_error.h"
#include "server/json_requests.h"

namespace lightbert::server {

namespace {

using nlohmann::json;

constexpr int kMaxInt = 1 << 20;

// The value of `field`, which must be present and not null.
const json& require(const json& j, const std::string& field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) throw bad_request("missing field '" + field + "'");
  return *it;
}

void check_count(const json& list, const std::string& field, size_t max_inputs) {
  if (list.empty()) throw ApiError(400, "empty", "field '" + field + "' is empty");
  if (list.size() > max_inputs) {
    throw too_large("field '" + field + "' has " + std::to_string(list.size()) +
                    " inputs, more than the server's maximum of " + std::to_string(max_inputs));
  }
}

// One /predict input: a text, or a [text, text_pair] array.
TextInput predict_input(const json& v, const std::string& where) {
  if (v.is_string()) return {v.get<std::string>(), std::nullopt};
  if (v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_string()) {
    return {v[0].get<std::string>(), v[1].get<std::string>()};
  }
  throw bad_request("field '" + where + "' must be a string or a [text, text_pair] array of two " +
                    "strings");
}

std::string qa_string(const json& obj, const std::string& name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) throw bad_request("missing field '" + where + name + "'");
  const json& v = *it;
  if (!v.is_string()) throw bad_request("field '" + where + name + "' must be a string");
  return v.get<std::string>();
}

}  // namespace

PredictRequest parse_predict(const std::string& body, size_t max_inputs) {
  const json j = parse_json_object(body);
  PredictRequest r;
  const json& in = require(j, "inputs");
  if (in.is_string()) {
    r.inputs.push_back(predict_input(in, "inputs"));
  } else if (in.is_array()) {
    r.batched = true;
    check_count(in, "inputs", max_inputs);
    for (size_t i = 0; i < in.size(); ++i) {
      r.inputs.push_back(predict_input(in[i], "inputs[" + std::to_string(i) + "]"));
    }
  } else {
    throw bad_request(
        "field 'inputs' must be a string or an array of strings or [text, "
        "text_pair] arrays");
  }
  if (auto k = read_int(j, "top_k", 0, kMaxInt)) r.top_k = *k;
  if (auto b = read_bool(j, "raw_scores")) r.raw_scores = *b;
  if (auto b = read_bool(j, "truncate")) r.truncate = *b;
  return r;
}

NerRequest parse_ner(const std::string& body, size_t max_inputs) {
  const json j = parse_json_object(body);
  NerRequest r;
  r.batched = require(j, "inputs").is_array();
  r.inputs = read_string_inputs(j, "inputs", max_inputs);
  if (auto s = read_string(j, "aggregation_strategy")) {
    try {
      r.aggregation = parse_aggregation(*s);
    } catch (const Error& e) {
      throw bad_request(std::string("field 'aggregation_strategy': ") + e.what());
    }
  }
  if (auto b = read_bool(j, "truncate")) r.truncate = *b;
  return r;
}

QaRequest parse_qa(const std::string& body, size_t max_inputs) {
  const json j = parse_json_object(body);
  QaRequest r;
  auto in = j.find("inputs");
  if (in != j.end() && !in->is_null()) {
    if (!in->is_array() && !in->is_object()) {
      throw bad_request(
          "field 'inputs' must be an object {\"question\", \"context\"} or an "
          "array of them");
    }
    r.batched = in->is_array();
    const json list = r.batched ? *in : json::array({*in});
    check_count(list, "inputs", max_inputs);
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = r.batched ? "inputs[" + std::to_string(i) + "]." : "inputs.";
      if (!list[i].is_object()) {
        throw bad_request("field '" + where.substr(0, where.size() - 1) +
                          "' must be an object {\"question\", \"context\"}");
      }
      r.items.emplace_back(qa_string(list[i], "question", where),
                           qa_string(list[i], "context", where));
    }
  } else {
    r.items.emplace_back(qa_string(j, "question", ""), qa_string(j, "context", ""));
  }
  if (auto k = read_int(j, "top_k", 1, kMaxInt)) {
    r.options.top_k = *k;
    r.top_k_given = true;
  }
  if (auto v = read_int(j, "max_answer_len", 1, kMaxInt)) r.options.max_answer_len = *v;
  if (auto v = read_int(j, "doc_stride", 0, kMaxInt)) r.options.doc_stride = *v;
  if (auto v = read_int(j, "max_seq_len", 4, kMaxInt)) r.options.max_seq_len = *v;
  return r;
}

FillMaskRequest parse_fill_mask(const std::string& body, size_t max_inputs) {
  const json j = parse_json_object(body);
  FillMaskRequest r;
  r.batched = require(j, "inputs").is_array();
  r.inputs = read_string_inputs(j, "inputs", max_inputs);
  if (auto k = read_int(j, "top_k", 1, kMaxInt)) r.top_k = *k;
  if (auto b = read_bool(j, "truncate")) r.truncate = *b;
  return r;
}

}  // namespace lightbert::server
