// models/sentence_transformers.cpp: see sentence_transformers.h.
#include "models/sentence_transformers.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "formats/checkpoint.h"
#include "formats/dtype.h"
#include "formats/json_limits.h"
#include "lightbert/error.h"

namespace lightbert::models {

namespace {

using nlohmann::json;

bool file_exists(const std::string& path) {
  std::ifstream f(path);
  return static_cast<bool>(f);
}

json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  formats::check_json_depth(text, path);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kFormat, path + ": invalid JSON: " + e.what());
  }
}

bool get_bool(const json& j, const char* key, const std::string& path) {
  if (!j.contains(key)) return false;
  if (!j[key].is_boolean()) {
    throw Error(ErrorCode::kFormat, path + ": field '" + key + "' must be true or false");
  }
  return j[key].get<bool>();
}

EmbeddingOptions read_pooling(const std::string& path) {
  json j = read_json(path);
  if (!j.is_object()) throw Error(ErrorCode::kFormat, path + ": expected a JSON object");
  for (const char* unsupported : {"pooling_mode_mean_sqrt_len_tokens",
                                  "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
    if (get_bool(j, unsupported, path)) {
      throw Error(ErrorCode::kUnsupported,
                  path + ": field '" + unsupported + "' is not supported (use mean, cls or max)");
    }
  }
  const bool cls = get_bool(j, "pooling_mode_cls_token", path);
  const bool mean = get_bool(j, "pooling_mode_mean_tokens", path);
  const bool max = get_bool(j, "pooling_mode_max_tokens", path);
  if (cls + mean + max != 1) {
    throw Error(
        ErrorCode::kUnsupported,
        path +
            ": exactly one of pooling_mode_cls_token, pooling_mode_mean_tokens and "
            "pooling_mode_max_tokens must be true (concatenated poolings are not supported)");
  }
  EmbeddingOptions o;
  o.pooling = cls ? Pooling::kCls : (max ? Pooling::kMax : Pooling::kMean);
  return o;
}

int get_positive_int(const json& j, const char* key, const std::string& path) {
  if (!j.contains(key))
    throw Error(ErrorCode::kNotFound, path + ": field '" + key + "' is missing");
  if (!j[key].is_number_integer() || j[key].get<long long>() <= 0 ||
      j[key].get<long long>() > (1 << 20)) {
    throw Error(ErrorCode::kFormat, path + ": field '" + key + "' must be a positive integer");
  }
  return static_cast<int>(j[key].get<long long>());
}

// `name` of `ck` as floats with exactly `shape`; kNotFound / kFormat / kUnsupported name it.
std::vector<float> read_dense_tensor(const formats::Checkpoint& ck, const std::string& path,
                                     const std::string& name, const std::vector<int64_t>& shape) {
  if (const formats::TensorInfo* found = ck.find(name)) {
    const formats::TensorInfo& t = *found;
    if (t.dtype != formats::DType::kF32 && t.dtype != formats::DType::kF16 &&
        t.dtype != formats::DType::kBF16) {
      throw Error(ErrorCode::kUnsupported,
                  path + ": tensor '" + name + "' must be F32, F16 or BF16");
    }
    if (t.shape != shape) {
      std::string want;
      for (int64_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      throw Error(ErrorCode::kFormat,
                  path + ": tensor '" + name + "' must have shape [" + want + "]");
    }
    std::vector<float> out(static_cast<size_t>(t.numel()));
    formats::convert_to_f32(t.dtype, t.data, out.size(), out.data());
    return out;
  }
  throw Error(ErrorCode::kNotFound, path + ": tensor '" + name + "' is missing");
}

}  // namespace

DenseModule read_dense_module(const std::string& dir, const std::string& sub) {
  const std::string base = dir + "/" + sub;
  const std::string config_path = base + "/config.json";
  json j = read_json(config_path);
  if (!j.is_object()) throw Error(ErrorCode::kFormat, config_path + ": expected a JSON object");
  DenseModule d;
  d.in_features = get_positive_int(j, "in_features", config_path);
  d.out_features = get_positive_int(j, "out_features", config_path);
  const bool bias = !j.contains("bias") || get_bool(j, "bias", config_path);
  if (j.contains("activation_function")) {
    if (!j["activation_function"].is_string()) {
      throw Error(ErrorCode::kFormat,
                  config_path + ": field 'activation_function' must be a string");
    }
    const std::string act = j["activation_function"].get<std::string>();
    if (act == "torch.nn.modules.activation.Tanh") {
      d.activation = Activation::kTanh;
    } else if (act == "torch.nn.modules.linear.Identity") {
      d.activation = Activation::kNone;
    } else {
      throw Error(ErrorCode::kUnsupported,
                  config_path + ": field 'activation_function' " + act +
                      " is not supported (torch.nn.modules.activation.Tanh or "
                      "torch.nn.modules.linear.Identity)");
    }
  }
  // model.safetensors, else pytorch_model.bin (torch.save; formats/torch_checkpoint.h).
  std::string weights = base + "/model.safetensors";
  if (!file_exists(weights) && file_exists(base + "/pytorch_model.bin")) {
    weights = base + "/pytorch_model.bin";
  }
  if (!file_exists(weights)) {
    throw Error(ErrorCode::kNotFound,
                weights + ": missing (the Dense module's weights; or pytorch_model.bin)");
  }
  formats::Checkpoint ck = formats::Checkpoint::open_file(weights);
  ck.set_prefixes({""});
  d.weight = read_dense_tensor(ck, weights, "linear.weight", {d.out_features, d.in_features});
  if (bias) d.bias = read_dense_tensor(ck, weights, "linear.bias", {d.out_features});
  return d;
}

std::optional<SentenceTransformersConfig> read_sentence_transformers(const std::string& dir) {
  const std::string modules_path = dir + "/modules.json";
  if (!file_exists(modules_path)) return std::nullopt;
  json modules = read_json(modules_path);
  if (!modules.is_array())
    throw Error(ErrorCode::kFormat, modules_path + ": expected a JSON array");
  SentenceTransformersConfig st;
  bool have_pooling = false;
  for (size_t i = 0; i < modules.size(); ++i) {
    const json& m = modules[i];
    const std::string where = modules_path + ": module " + std::to_string(i);
    if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
      throw Error(ErrorCode::kFormat, where + ": field 'type' must be a string");
    }
    const std::string type = m["type"].get<std::string>();
    const std::string sub =
        m.contains("path") && m["path"].is_string() ? m["path"].get<std::string>() : "";
    if (type == "sentence_transformers.models.Transformer") {
      continue;
    } else if (type == "sentence_transformers.models.Pooling") {
      bool normalize = st.embedding.normalize;
      st.embedding = read_pooling(dir + "/" + sub + "/config.json");
      st.embedding.normalize = normalize;
      have_pooling = true;
    } else if (type == "sentence_transformers.models.Dense") {
      if (st.embedding.normalize || !have_pooling) {
        throw Error(ErrorCode::kUnsupported,
                    where +
                        ": a Dense module is supported only between the Pooling and "
                        "Normalize modules");
      }
      if (sub.empty() || sub[0] == '/' || sub.find("..") != std::string::npos) {
        throw Error(ErrorCode::kFormat,
                    where + ": field 'path' must be the Dense module's relative folder");
      }
      DenseModule d = read_dense_module(dir, sub);
      if (!st.dense.empty() && d.in_features != st.dense.back().out_features) {
        throw Error(ErrorCode::kFormat, dir + "/" + sub + "/config.json: field 'in_features' is " +
                                            std::to_string(d.in_features) +
                                            " but the Dense module before gives " +
                                            std::to_string(st.dense.back().out_features));
      }
      st.dense.push_back(std::move(d));
    } else if (type == "sentence_transformers.models.Normalize") {
      st.embedding.normalize = true;
    } else {
      throw Error(ErrorCode::kUnsupported, where + ": field 'type' " + type + " is not supported");
    }
  }
  if (!have_pooling) st.embedding.pooling = Pooling::kMean;
  const std::string sbert = dir + "/sentence_bert_config.json";
  if (file_exists(sbert)) {
    json j = read_json(sbert);
    if (j.contains("max_seq_length")) {
      if (!j["max_seq_length"].is_number_integer() || j["max_seq_length"].get<long long>() <= 0) {
        throw Error(ErrorCode::kFormat,
                    sbert + ": field 'max_seq_length' must be a positive integer");
      }
      st.max_seq_length =
          static_cast<int>(std::min<long long>(j["max_seq_length"].get<long long>(), 1 << 20));
    }
  }
  return st;
}

}  // namespace lightbert::models
