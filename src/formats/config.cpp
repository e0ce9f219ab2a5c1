// formats/config.cpp: ModelConfig from a Hugging Face config.json (see lightbert/config.h).
// Contract: fields absent (or null) take Hugging Face BertConfig's defaults; present fields are
// type- and range-checked, and every failure throws lightbert::Error naming the source file and
// the field: kFormat for malformed JSON / wrong types / bad values, kUnsupported for well-formed
// settings lightbert does not implement (model_type other than bert, relative position
// embeddings, an unknown hidden_act). Unknown fields are ignored.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include "formats/json_text.h"
#include "lightbert/config.h"
#include "lightbert/error.h"
#include "runtime/mapped_file.h"

namespace lightbert {
namespace {

using formats::brief;
using nlohmann::json;

class FieldReader {
 public:
  FieldReader(const json& root, const std::string& source) : root_(root), source_(source) {}

  [[noreturn]] void fail(ErrorCode code, const std::string& field, const std::string& what) const {
    throw Error(code, source_ + ": field '" + field + "' " + what);
  }

  // The field's value, or nullptr when absent or null (then the default applies).
  const json* get(const char* field) const {
    auto it = root_.find(field);
    if (it == root_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  // An integer in [min_value, INT_MAX]; `what` describes the range in the message.
  void read_int(const char* field, int min_value, const char* what, int* out) const {
    const json* v = get(field);
    if (v == nullptr) return;
    bool ok = false;
    int64_t x = 0;
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      ok = u <= static_cast<uint64_t>(std::numeric_limits<int>::max());
      x = static_cast<int64_t>(u);
    } else if (v->is_number_integer()) {
      x = v->get<int64_t>();
      ok = x >= std::numeric_limits<int>::min();
    }
    if (!ok || x < min_value)
      fail(ErrorCode::kFormat, field, std::string("must be ") + what + ", got " + brief(*v));
    *out = static_cast<int>(x);
  }

  void read_string(const char* field, std::string* out) const {
    const json* v = get(field);
    if (v == nullptr) return;
    if (!v->is_string()) fail(ErrorCode::kFormat, field, "must be a string, got " + brief(*v));
    *out = v->get<std::string>();
  }

 private:
  const json& root_;
  const std::string& source_;
};

// Parses the decimal key of id2label ("0", "12", "-1"); false when not an int.
bool parse_int_key(const std::string& key, int* out) {
  if (key.empty() || key.size() > 11) return false;
  size_t i = key[0] == '-' ? 1 : 0;
  if (i == key.size()) return false;
  int64_t x = 0;
  for (; i < key.size(); ++i) {
    if (key[i] < '0' || key[i] > '9') return false;
    x = x * 10 + (key[i] - '0');
  }
  if (key[0] == '-') x = -x;
  if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) return false;
  *out = static_cast<int>(x);
  return true;
}

Activation parse_activation(const FieldReader& r, const json& v) {
  if (!v.is_string()) r.fail(ErrorCode::kFormat, "hidden_act", "must be a string, got " + brief(v));
  const std::string& name = v.get_ref<const std::string&>();
  // Hugging Face ACT2FN: "gelu"/"gelu_python" are the exact erf GELU; "gelu_new",
  // "gelu_pytorch_tanh", "gelu_fast" and "gelu_accurate" all compute the tanh approximation.
  if (name == "gelu" || name == "gelu_python") return Activation::kGelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast" ||
      name == "gelu_accurate") {
    return Activation::kGeluNew;
  }
  if (name == "relu") return Activation::kRelu;
  r.fail(ErrorCode::kUnsupported, "hidden_act",
         "is " + brief(v) +
             ", which lightbert does not support (supported: gelu, gelu_python, "
             "gelu_new, gelu_pytorch_tanh, gelu_fast, gelu_accurate, relu)");
}

void read_labels(const FieldReader& r, ModelConfig& c) {
  if (const json* v = r.get("id2label")) {
    if (!v->is_object())
      r.fail(ErrorCode::kFormat, "id2label", "must be an object, got " + brief(*v));
    for (const auto& [key, label] : v->items()) {
      int id = 0;
      if (!parse_int_key(key, &id)) {
        r.fail(ErrorCode::kFormat, "id2label",
               "has key " + formats::quote_name(key) + ", which is not an integer");
      }
      if (!label.is_string()) {
        r.fail(ErrorCode::kFormat, "id2label",
               "entry " + formats::quote_name(key) + " must be a string, got " + brief(label));
      }
      c.id2label[id] = label.get<std::string>();
    }
  }
  if (const json* v = r.get("label2id")) {
    if (!v->is_object())
      r.fail(ErrorCode::kFormat, "label2id", "must be an object, got " + brief(*v));
    for (const auto& [label, id] : v->items()) {
      bool ok = id.is_number_integer() && id.get<int64_t>() >= std::numeric_limits<int>::min() &&
                id.get<int64_t>() <= std::numeric_limits<int>::max();
      if (id.is_number_unsigned()) ok = id.get<uint64_t>() <= std::numeric_limits<int>::max();
      if (!ok) {
        r.fail(ErrorCode::kFormat, "label2id",
               "entry " + formats::quote_name(label) + " must be an integer, got " + brief(id));
      }
      c.label2id[label] = static_cast<int>(id.get<int64_t>());
    }
  }
}

// "pruned_heads": {"LAYER": [HEAD, ...]} (keys are strings in JSON). Every layer keeps at least
// one head; indexes are within the config's layers and heads.
void read_pruned_heads(const FieldReader& r, ModelConfig& c) {
  const json* v = r.get("pruned_heads");
  if (v == nullptr) return;
  const char* kField = "pruned_heads";
  if (!v->is_object()) r.fail(ErrorCode::kFormat, kField, "must be an object, got " + brief(*v));
  for (const auto& [key, heads] : v->items()) {
    const std::string field = std::string(kField) + "." + key;
    char* end = nullptr;
    const long layer = std::strtol(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || layer < 0 || layer >= c.num_hidden_layers) {
      r.fail(ErrorCode::kFormat, field,
             "must name a layer in 0.." + std::to_string(c.num_hidden_layers - 1));
    }
    if (!heads.is_array()) r.fail(ErrorCode::kFormat, field, "must be a list of head indexes");
    std::vector<int>& list = c.pruned_heads[static_cast<int>(layer)];
    for (const json& h : heads) {
      if (!h.is_number_integer() || h.get<int64_t>() < 0 ||
          h.get<int64_t>() >= c.num_attention_heads) {
        r.fail(ErrorCode::kFormat, field,
               "must hold head indexes in 0.." + std::to_string(c.num_attention_heads - 1) +
                   ", got " + brief(h));
      }
      list.push_back(h.get<int>());
    }
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    if (static_cast<int>(list.size()) >= c.num_attention_heads) {
      r.fail(ErrorCode::kUnsupported, field, "prunes every head of the layer");
    }
    if (list.empty()) c.pruned_heads.erase(static_cast<int>(layer));
  }
}

}  // namespace

ModelConfig ModelConfig::from_json_string(const std::string& text, const std::string& source) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) throw Error(ErrorCode::kFormat, source + ": not valid UTF-8 JSON");
  if (!root.is_object()) {
    throw Error(ErrorCode::kFormat, source + ": must be a JSON object, got " + brief(root));
  }
  FieldReader r(root, source);
  ModelConfig c;
  // Hugging Face BertConfig defaults.
  c.vocab_size = 30522;
  c.hidden_size = 768;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.intermediate_size = 3072;

  r.read_string("model_type", &c.model_type);
  if (c.model_type != "bert") {
    r.fail(ErrorCode::kUnsupported, "model_type",
           "is " + formats::quote_name(c.model_type) + "; lightbert supports only \"bert\"");
  }
  if (const json* v = r.get("architectures")) {
    if (!v->is_array()) {
      r.fail(ErrorCode::kFormat, "architectures", "must be a list of strings, got " + brief(*v));
    }
    for (const json& a : *v) {
      if (!a.is_string()) {
        r.fail(ErrorCode::kFormat, "architectures", "must be a list of strings, got " + brief(*v));
      }
      c.architectures.push_back(a.get<std::string>());
    }
  }
  r.read_int("vocab_size", 1, "a positive integer", &c.vocab_size);
  r.read_int("hidden_size", 1, "a positive integer", &c.hidden_size);
  r.read_int("num_hidden_layers", 1, "a positive integer", &c.num_hidden_layers);
  r.read_int("num_attention_heads", 1, "a positive integer", &c.num_attention_heads);
  r.read_int("intermediate_size", 1, "a positive integer", &c.intermediate_size);
  r.read_int("max_position_embeddings", 1, "a positive integer", &c.max_position_embeddings);
  r.read_int("type_vocab_size", 1, "a positive integer", &c.type_vocab_size);
  r.read_int("pad_token_id", 0, "a non-negative integer", &c.pad_token_id);
  if (c.hidden_size % c.num_attention_heads != 0) {
    r.fail(ErrorCode::kFormat, "hidden_size",
           "(" + std::to_string(c.hidden_size) + ") must be divisible by num_attention_heads (" +
               std::to_string(c.num_attention_heads) + ")");
  }
  if (c.pad_token_id >= c.vocab_size) {
    r.fail(ErrorCode::kFormat, "pad_token_id",
           "(" + std::to_string(c.pad_token_id) + ") must be below vocab_size (" +
               std::to_string(c.vocab_size) + ")");
  }
  if (const json* v = r.get("hidden_act")) c.hidden_act = parse_activation(r, *v);
  if (const json* v = r.get("layer_norm_eps")) {
    double eps = v->is_number() ? v->get<double>() : 0.0;
    if (!v->is_number() || !(eps > 0.0) || !(static_cast<float>(eps) > 0.0f) ||
        !std::isfinite(static_cast<float>(eps))) {
      r.fail(ErrorCode::kFormat, "layer_norm_eps",
             "must be a positive number representable as float, got " + brief(*v));
    }
    c.layer_norm_eps = static_cast<float>(eps);
  }
  r.read_string("position_embedding_type", &c.position_embedding_type);
  if (c.position_embedding_type != "absolute") {
    r.fail(ErrorCode::kUnsupported, "position_embedding_type",
           "is " + formats::quote_name(c.position_embedding_type) +
               "; lightbert supports only \"absolute\"");
  }
  r.read_string("problem_type", &c.problem_type);
  read_labels(r, c);
  read_pruned_heads(r, c);
  return c;
}

int ModelConfig::heads_in_layer(int layer) const {
  auto it = pruned_heads.find(layer);
  return num_attention_heads - (it == pruned_heads.end() ? 0 : static_cast<int>(it->second.size()));
}

ModelConfig ModelConfig::from_json_file(const std::string& path) {
  runtime::MappedFile file(path);  // kIo naming the path when missing or not a file
  return from_json_string(std::string(reinterpret_cast<const char*>(file.data()), file.size()),
                          path);
}

const char* activation_name(Activation act) noexcept {
  switch (act) {
    case Activation::kGelu:
      return "gelu";
    case Activation::kGeluNew:
      return "gelu_new";
    case Activation::kRelu:
      return "relu";
  }
  return "unknown";
}

}  // namespace lightbert
