// formats/config.cpp: ModelConfig from a Hugging Face config.json (see lightbert/config.h).
// Contract: model_type picks the row of the family table (formats/model_family.h), which gives
// the field schema (BertConfig's names, or DistilBertConfig's), the defaults of the family's
// Hugging Face config class, whether embedding_size and ALBERT's layer groups are fields, and
// RoBERTa's position offset (pad_token_id + 1). DistilBERT's dim, n_layers, n_heads and
// hidden_dim are required (kFormat naming the field when absent), its other fields take
// DistilBertConfig's defaults. Present fields are type- and range-checked, and every failure
// throws lightbert::Error naming the source file and the field: kFormat for malformed JSON /
// wrong types / bad values, kUnsupported for well-formed settings lightbert does not implement
// (a model_type without a row, relative position embeddings, an unknown activation). Unknown
// fields are ignored.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "formats/json_text.h"
#include "formats/json_limits.h"
#include "formats/model_family.h"
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

  // Like read_int, but the field must be present.
  void require_int(const char* field, int min_value, const char* what, int* out) const {
    if (get(field) == nullptr) {
      fail(ErrorCode::kFormat, field,
           "is missing (required in a " + formats::quote_name(family_) + " config)");
    }
    read_int(field, min_value, what, out);
  }

  void read_bool(const char* field, bool* out) const {
    const json* v = get(field);
    if (v == nullptr) return;
    if (!v->is_boolean())
      fail(ErrorCode::kFormat, field, "must be true or false, got " + brief(*v));
    *out = v->get<bool>();
  }

  void set_family(const std::string& family) { family_ = family; }

  void read_string(const char* field, std::string* out) const {
    const json* v = get(field);
    if (v == nullptr) return;
    if (!v->is_string()) fail(ErrorCode::kFormat, field, "must be a string, got " + brief(*v));
    *out = v->get<std::string>();
  }

 private:
  const json& root_;
  const std::string& source_;
  std::string family_;
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

// `field`: "hidden_act" (BertConfig and most families) or "activation" (DistilBERT).
Activation parse_activation(const FieldReader& r, const char* field, const json& v) {
  if (!v.is_string()) r.fail(ErrorCode::kFormat, field, "must be a string, got " + brief(v));
  const std::string& name = v.get_ref<const std::string&>();
  // Hugging Face ACT2FN: "gelu"/"gelu_python" are the exact erf GELU; "gelu_new",
  // "gelu_pytorch_tanh", "gelu_fast" and "gelu_accurate" all compute the tanh approximation.
  if (name == "gelu" || name == "gelu_python") return Activation::kGelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast" ||
      name == "gelu_accurate") {
    return Activation::kGeluNew;
  }
  if (name == "relu") return Activation::kRelu;
  r.fail(ErrorCode::kUnsupported, field,
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
  const int layers = c.num_distinct_layers();
  const json* v = r.get("pruned_heads");
  if (v == nullptr) return;
  const char* kField = "pruned_heads";
  if (!v->is_object()) r.fail(ErrorCode::kFormat, kField, "must be an object, got " + brief(*v));
  for (const auto& [key, heads] : v->items()) {
    const std::string field = std::string(kField) + "." + key;
    char* end = nullptr;
    const long layer = std::strtol(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || layer < 0 || layer >= layers) {
      r.fail(ErrorCode::kFormat, field, "must name a layer in 0.." + std::to_string(layers - 1));
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

void read_architectures(const FieldReader& r, ModelConfig& c) {
  const json* v = r.get("architectures");
  if (v == nullptr) return;
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

// Upper bounds of the size fields (docs/limits.md): far above every published checkpoint, low
// enough that a corrupted or hostile value gets an error naming the field, not an allocation
// failure later that names nothing.
constexpr int kMaxHiddenSize = 1 << 16;
constexpr int kMaxIntermediateSize = 1 << 20;
constexpr int kMaxLayers = 4096;
constexpr int kMaxVocabSize = 1 << 24;
constexpr int kMaxPositions = 1 << 20;
constexpr int kMaxTypeVocabSize = 1 << 16;
constexpr int64_t kMaxTableElements = int64_t{1} << 32;  // rows x width of one embedding table

void at_most(const FieldReader& r, const char* field, int64_t value, int64_t limit) {
  if (value > limit) {
    r.fail(ErrorCode::kFormat, field,
           "(" + std::to_string(value) + ") is larger than lightbert's limit of " +
               std::to_string(limit) + " (docs/limits.md)");
  }
}

// `hidden_field` / `heads_field` / `layers_field` / `intermediate_field`: the family's names for
// hidden_size / num_attention_heads / num_hidden_layers / intermediate_size.
void check_sizes(const FieldReader& r, const ModelConfig& c, const char* hidden_field,
                 const char* heads_field, const char* layers_field = "num_hidden_layers",
                 const char* intermediate_field = "intermediate_size") {
  at_most(r, hidden_field, c.hidden_size, kMaxHiddenSize);
  at_most(r, "embedding_size", c.embedding_size, kMaxHiddenSize);
  at_most(r, layers_field, c.num_hidden_layers, kMaxLayers);
  at_most(r, intermediate_field, c.intermediate_size, kMaxIntermediateSize);
  at_most(r, "vocab_size", c.vocab_size, kMaxVocabSize);
  at_most(r, "max_position_embeddings", c.max_position_embeddings, kMaxPositions);
  at_most(r, "type_vocab_size", c.type_vocab_size, kMaxTypeVocabSize);
  for (const auto& [field, rows] : {std::pair<const char*, int64_t>{"vocab_size", c.vocab_size},
                                    {"max_position_embeddings", c.max_position_embeddings}}) {
    if (rows * c.embedding_size > kMaxTableElements) {
      r.fail(ErrorCode::kFormat, field,
             "(" + std::to_string(rows) + ") times the embedding width (" +
                 std::to_string(c.embedding_size) + ") is a table larger than lightbert's limit of " +
                 std::to_string(kMaxTableElements) + " elements (docs/limits.md)");
    }
  }
  if (c.hidden_size % c.num_attention_heads != 0) {
    r.fail(ErrorCode::kFormat, hidden_field,
           "(" + std::to_string(c.hidden_size) + ") must be divisible by " + heads_field + " (" +
               std::to_string(c.num_attention_heads) + ")");
  }
  if (c.pad_token_id >= c.vocab_size) {
    r.fail(ErrorCode::kFormat, "pad_token_id",
           "(" + std::to_string(c.pad_token_id) + ") must be below vocab_size (" +
               std::to_string(c.vocab_size) + ")");
  }
  if (c.max_input_length() < 1) {
    r.fail(ErrorCode::kFormat, "max_position_embeddings",
           "(" + std::to_string(c.max_position_embeddings) +
               ") leaves no position after the padding offset pad_token_id + 1 (" +
               std::to_string(c.position_offset) + ")");
  }
}

// BertConfig's field names (every schema kBert row; defaults already set).
void read_bert_like(const FieldReader& r, const formats::FamilyDescriptor& f, ModelConfig& c) {
  r.read_int("vocab_size", 1, "a positive integer", &c.vocab_size);
  r.read_int("hidden_size", 1, "a positive integer", &c.hidden_size);
  r.read_int("num_hidden_layers", 1, "a positive integer", &c.num_hidden_layers);
  r.read_int("num_attention_heads", 1, "a positive integer", &c.num_attention_heads);
  r.read_int("intermediate_size", 1, "a positive integer", &c.intermediate_size);
  r.read_int("max_position_embeddings", 1, "a positive integer", &c.max_position_embeddings);
  r.read_int("type_vocab_size", 1, "a positive integer", &c.type_vocab_size);
  r.read_int("pad_token_id", 0, "a non-negative integer", &c.pad_token_id);
  if (f.reads_embedding_size) {
    r.read_int("embedding_size", 1, "a positive integer", &c.embedding_size);
  } else {
    c.embedding_size = c.hidden_size;
  }
  if (f.grouped_layers) {
    r.read_int("num_hidden_groups", 1, "a positive integer", &c.num_hidden_groups);
    r.read_int("inner_group_num", 1, "a positive integer", &c.inner_group_num);
    if (int64_t{c.num_hidden_groups} * c.inner_group_num > 4096) {
      r.fail(ErrorCode::kFormat, "inner_group_num",
             "times num_hidden_groups must be at most 4096 distinct layers");
    }
  }
  // modeling_roberta.create_position_ids_from_input_ids: real tokens start at padding_idx + 1.
  if (f.position_offset_by_pad) {
    c.position_offset = c.pad_token_id + 1;
  }
  check_sizes(r, c, "hidden_size", "num_attention_heads");
  if (const json* v = r.get("hidden_act")) c.hidden_act = parse_activation(r, "hidden_act", *v);
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
}

// DistilBertConfig: dim, n_layers, n_heads, hidden_dim (required here), activation,
// sinusoidal_pos_embds; LayerNorm eps fixed at 1e-12; no token types (type_vocab_size 0).
void read_distilbert(FieldReader& r, ModelConfig& c) {
  r.require_int("dim", 1, "a positive integer", &c.hidden_size);
  r.require_int("n_layers", 1, "a positive integer", &c.num_hidden_layers);
  r.require_int("n_heads", 1, "a positive integer", &c.num_attention_heads);
  r.require_int("hidden_dim", 1, "a positive integer", &c.intermediate_size);
  r.read_int("vocab_size", 1, "a positive integer", &c.vocab_size);
  r.read_int("max_position_embeddings", 1, "a positive integer", &c.max_position_embeddings);
  r.read_int("pad_token_id", 0, "a non-negative integer", &c.pad_token_id);
  r.read_bool("sinusoidal_pos_embds", &c.sinusoidal_pos_embds);
  c.embedding_size = c.hidden_size;
  c.type_vocab_size = 0;
  c.layer_norm_eps = 1e-12f;
  check_sizes(r, c, "dim", "n_heads", "n_layers", "hidden_dim");
  if (const json* v = r.get("activation")) c.hidden_act = parse_activation(r, "activation", *v);
}

}  // namespace

ModelConfig ModelConfig::from_json_string(const std::string& text, const std::string& source) {
  formats::check_json_depth(text, source);
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) throw Error(ErrorCode::kFormat, source + ": not valid UTF-8 JSON");
  if (!root.is_object()) {
    throw Error(ErrorCode::kFormat, source + ": must be a JSON object, got " + brief(root));
  }
  FieldReader r(root, source);
  ModelConfig c;
  r.read_string("model_type", &c.model_type);
  r.set_family(c.model_type);
  const formats::FamilyDescriptor* f = formats::find_family(c.model_type);
  if (f == nullptr) {
    r.fail(ErrorCode::kUnsupported, "model_type",
           "is " + formats::quote_name(c.model_type) + "; lightbert supports " +
               formats::supported_model_types());
  }
  // Defaults of the family's Hugging Face config class.
  const formats::ConfigDefaults& d = f->defaults;
  c.vocab_size = d.vocab_size;
  c.hidden_size = d.hidden_size;
  c.num_hidden_layers = d.num_hidden_layers;
  c.num_attention_heads = d.num_attention_heads;
  c.intermediate_size = d.intermediate_size;
  c.embedding_size = d.embedding_size;
  c.pad_token_id = d.pad_token_id;
  c.hidden_act = d.hidden_act;
  read_architectures(r, c);
  if (f->schema == formats::ConfigSchema::kDistilBert) {
    read_distilbert(r, c);
  } else {
    read_bert_like(r, *f, c);
  }
  r.read_string("problem_type", &c.problem_type);
  read_labels(r, c);
  read_pruned_heads(r, c);
  return c;
}

int ModelConfig::num_distinct_layers() const {
  const formats::FamilyDescriptor* f = formats::find_family(model_type);
  return f != nullptr && f->grouped_layers ? num_hidden_groups * inner_group_num
                                           : num_hidden_layers;
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
    case Activation::kTanh:
      return "tanh";
    case Activation::kNone:
      return "linear";
  }
  return "unknown";
}

}  // namespace lightbert
