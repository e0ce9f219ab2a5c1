// heads/sentence_transformers.cpp: see sentence_transformers.h.
#include "heads/sentence_transformers.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"

namespace lightbert::heads {

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
  try {
    return json::parse(ss.str());
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

}  // namespace

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

}  // namespace lightbert::heads
