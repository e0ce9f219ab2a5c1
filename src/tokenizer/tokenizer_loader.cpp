// tokenizer/tokenizer_loader.cpp: Tokenizer::from_folder, reading a Hugging Face model folder.
// Contract: DIR/tokenizer.json (WordPiece model, BertNormalizer or null, BertPreTokenizer,
// added_tokens, TemplateProcessing / BertProcessing / null post-processor) when present, else
// DIR/vocab.txt (one token per line, id = line number; a repeated token keeps its last line, as
// Hugging Face's loaders do). DIR/tokenizer_config.json, when present, overrides do_lower_case,
// strip_accents and tokenize_chinese_chars (like BertTokenizerFast), and gives model_max_length
// (absent or a "no limit" sentinel above 2^31-1: DIR/config.json max_position_embeddings, else
// 512) and the special tokens (strings or {"content": ...}). Any malformed or unsupported field
// throws lightbert::Error naming the file and the field.
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "tokenizer/tokenizer_impl.h"

namespace lightbert {
namespace {

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
  json j = json::parse(read_text(path), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(ErrorCode::kFormat, path + ": not valid JSON");
  if (!j.is_object()) throw Error(ErrorCode::kFormat, path + ": the top level is not an object");
  return j;
}

[[noreturn]] void bad_field(const std::string& path, const std::string& field,
                            const std::string& what, ErrorCode code = ErrorCode::kFormat) {
  throw Error(code, path + ": field '" + field + "' " + what);
}

// Field readers: absent or null keeps the default; a value of the wrong type is an error.
bool get_bool(const json& obj, const char* key, bool fallback, const std::string& path,
              const std::string& prefix = "") {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) bad_field(path, prefix + key, "must be true or false");
  return it->get<bool>();
}

std::string get_string(const json& obj, const char* key, const std::string& fallback,
                       const std::string& path, const std::string& prefix = "") {
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

void read_added_tokens(const json& j, const std::string& path, TokenizerSpec& spec) {
  auto it = j.find("added_tokens");
  if (it == j.end() || it->is_null()) return;
  if (!it->is_array()) bad_field(path, "added_tokens", "must be an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& t = (*it)[i];
    const std::string field = "added_tokens[" + std::to_string(i) + "]";
    if (!t.is_object()) bad_field(path, field, "must be an object");
    tokenizer::AddedToken token;
    if (!t.contains("id")) bad_field(path, field + ".id", "is missing");
    token.id = static_cast<int32_t>(get_int(t["id"], path, field + ".id", 0, (1 << 26) - 1));
    if (!t.contains("content") || !t["content"].is_string()) {
      bad_field(path, field + ".content", "must be a string");
    }
    token.content = t["content"].get<std::string>();
    token.special = get_bool(t, "special", false, path, field + ".");
    token.single_word = get_bool(t, "single_word", false, path, field + ".");
    token.lstrip = get_bool(t, "lstrip", false, path, field + ".");
    token.rstrip = get_bool(t, "rstrip", false, path, field + ".");
    token.normalized = get_bool(t, "normalized", !token.special, path, field + ".");
    if (!token.content.empty()) spec.added_tokens.push_back(token);
  }
}

tokenizer::TemplateItem read_template_item(const json& item, const json& specials,
                                           const std::string& path, const std::string& field) {
  tokenizer::TemplateItem out;
  if (!item.is_object() || item.size() != 1) {
    bad_field(path, field, "must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
  }
  const auto first = item.begin();
  const std::string kind = first.key();
  const json& body = first.value();
  if (!body.is_object()) bad_field(path, field + "." + kind, "must be an object");
  out.type_id = body.contains("type_id")
                    ? static_cast<int32_t>(
                          get_int(body["type_id"], path, field + "." + kind + ".type_id", 0, 255))
                    : 0;
  const std::string id = get_string(body, "id", "", path, field + "." + kind + ".");
  if (kind == "Sequence") {
    if (id != "A" && id != "B") bad_field(path, field + ".Sequence.id", "must be \"A\" or \"B\"");
    out.is_sequence = true;
    out.sequence = id == "A" ? 0 : 1;
    return out;
  }
  if (kind != "SpecialToken") bad_field(path, field, "has unknown kind \"" + kind + "\"");
  auto sp = specials.find(id);
  if (sp == specials.end() || !sp->is_object()) {
    bad_field(path, "post_processor.special_tokens", "has no entry \"" + id + "\"");
  }
  auto ids = sp->find("ids");
  if (ids == sp->end() || !ids->is_array()) {
    bad_field(path, "post_processor.special_tokens." + id + ".ids", "must be an array");
  }
  for (const json& v : *ids) {
    out.ids.push_back(static_cast<int32_t>(
        get_int(v, path, "post_processor.special_tokens." + id + ".ids", 0, (1 << 26) - 1)));
  }
  return out;
}

void read_post_processor(const json& j, const std::string& path, TokenizerSpec& spec) {
  auto it = j.find("post_processor");
  spec.has_template = true;
  if (it == j.end() || it->is_null()) {
    spec.post = tokenizer::Template::none();
    return;
  }
  if (!it->is_object()) bad_field(path, "post_processor", "must be an object or null");
  const std::string type = get_string(*it, "type", "", path, "post_processor.");
  if (type == "BertProcessing") {
    const auto pair_id = [&](const char* key) {
      const json& v = it->value(key, json());
      if (!v.is_array() || v.size() != 2 || !v[0].is_string()) {
        bad_field(path, std::string("post_processor.") + key, "must be [token, id]");
      }
      return static_cast<int32_t>(
          get_int(v[1], path, std::string("post_processor.") + key, 0, (1 << 26) - 1));
    };
    spec.post = tokenizer::Template::bert(pair_id("cls"), pair_id("sep"));
    return;
  }
  if (type != "TemplateProcessing") {
    bad_field(path, "post_processor.type", "\"" + type + "\" is not supported",
              ErrorCode::kUnsupported);
  }
  const json specials = it->value("special_tokens", json::object());
  if (!specials.is_object()) bad_field(path, "post_processor.special_tokens", "must be an object");
  for (const char* key : {"single", "pair"}) {
    const json& items = it->value(key, json());
    if (!items.is_array())
      bad_field(path, std::string("post_processor.") + key, "must be an array");
    auto& out = std::string(key) == "single" ? spec.post.single : spec.post.pair;
    for (size_t i = 0; i < items.size(); ++i) {
      out.push_back(
          read_template_item(items[i], specials, path,
                             std::string("post_processor.") + key + "[" + std::to_string(i) + "]"));
    }
  }
}

void read_tokenizer_json(const std::string& path, TokenizerSpec& spec) {
  const json j = parse_json(path);
  spec.source = path;
  auto model = j.find("model");
  if (model == j.end() || !model->is_object()) bad_field(path, "model", "must be an object");
  const std::string type = get_string(*model, "type", "", path, "model.");
  if (type != "WordPiece") {
    bad_field(path, "model.type", "\"" + type + "\" is not supported (only WordPiece)",
              ErrorCode::kUnsupported);
  }
  auto vocab = model->find("vocab");
  if (vocab == model->end() || !vocab->is_object()) {
    bad_field(path, "model.vocab", "must be an object of token: id");
  }
  if (vocab->empty()) bad_field(path, "model.vocab", "is empty");
  for (const auto& [token, id_value] : vocab->items()) {
    const auto id = static_cast<size_t>(
        get_int(id_value, path, "model.vocab[\"" + token + "\"]", 0, (1 << 26) - 1));
    if (id >= spec.vocab.size()) {
      spec.vocab.resize(id + 1);
      spec.vocab_present.resize(id + 1, false);
    }
    spec.vocab[id] = token;
    spec.vocab_present[id] = true;
  }
  spec.wordpiece.unk_token = get_string(*model, "unk_token", "[UNK]", path, "model.");
  spec.wordpiece.continuing_subword_prefix =
      get_string(*model, "continuing_subword_prefix", "##", path, "model.");
  if (model->contains("max_input_chars_per_word")) {
    spec.config.max_input_chars_per_word = static_cast<int>(
        get_int((*model)["max_input_chars_per_word"], path, "model.max_input_chars_per_word", 0,
                std::numeric_limits<int>::max()));
  }
  spec.config.unk_token = spec.wordpiece.unk_token;

  auto norm = j.find("normalizer");
  if (norm == j.end() || norm->is_null()) {
    spec.has_normalizer = false;
  } else {
    if (!norm->is_object()) bad_field(path, "normalizer", "must be an object or null");
    const std::string ntype = get_string(*norm, "type", "", path, "normalizer.");
    if (ntype != "BertNormalizer") {
      bad_field(path, "normalizer.type", "\"" + ntype + "\" is not supported",
                ErrorCode::kUnsupported);
    }
    TokenizerConfig& c = spec.config;
    c.clean_text = get_bool(*norm, "clean_text", true, path, "normalizer.");
    c.tokenize_chinese_chars = get_bool(*norm, "handle_chinese_chars", true, path, "normalizer.");
    c.do_lower_case = get_bool(*norm, "lowercase", true, path, "normalizer.");
    auto sa = norm->find("strip_accents");
    if (sa != norm->end() && !sa->is_null()) {
      c.strip_accents = get_bool(*norm, "strip_accents", false, path, "normalizer.");
    }
  }
  auto pre = j.find("pre_tokenizer");
  const std::string ptype = pre != j.end() && pre->is_object()
                                ? get_string(*pre, "type", "", path, "pre_tokenizer.")
                                : std::string();
  if (ptype != "BertPreTokenizer") {
    bad_field(path, "pre_tokenizer", "must be {\"type\": \"BertPreTokenizer\"}",
              ErrorCode::kUnsupported);
  }
  read_added_tokens(j, path, spec);
  read_post_processor(j, path, spec);
}

void read_vocab_txt(const std::string& path, TokenizerSpec& spec) {
  const std::string text = read_text(path);
  spec.source = path;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    size_t end = eol;
    while (end > pos && (text[end - 1] == '\r' || text[end - 1] == ' ' || text[end - 1] == '\t')) {
      --end;
    }
    spec.vocab.emplace_back(text, pos, end - pos);
    pos = eol + 1;
  }
  if (spec.vocab.empty()) throw Error(ErrorCode::kFormat, path + ": the vocabulary is empty");
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

int read_max_position_embeddings(const std::string& dir) {
  const std::string path = dir + "/config.json";
  if (!file_exists(path)) return 512;
  const json cfg = parse_json(path);
  auto it = cfg.find("max_position_embeddings");
  if (it == cfg.end() || it->is_null()) return 512;
  return static_cast<int>(get_int(*it, path, "max_position_embeddings", 1, 1 << 24));
}

void read_tokenizer_config(const std::string& dir, TokenizerSpec& spec) {
  const std::string path = dir + "/tokenizer_config.json";
  TokenizerConfig& c = spec.config;
  if (!file_exists(path)) {
    c.model_max_length = read_max_position_embeddings(dir);
    return;
  }
  const json cfg = parse_json(path);
  spec.config_source = path;
  c.do_lower_case = get_bool(cfg, "do_lower_case", c.do_lower_case, path);
  c.tokenize_chinese_chars =
      get_bool(cfg, "tokenize_chinese_chars", c.tokenize_chinese_chars, path);
  if (cfg.contains("strip_accents")) {
    const json& sa = cfg["strip_accents"];
    if (sa.is_null()) {
      c.strip_accents.reset();
    } else {
      c.strip_accents = get_bool(cfg, "strip_accents", false, path);
    }
  }
  auto mml = cfg.find("model_max_length");
  if (mml == cfg.end() || mml->is_null()) {
    c.model_max_length = read_max_position_embeddings(dir);
  } else {
    if (!mml->is_number()) bad_field(path, "model_max_length", "must be a number");
    const double v = mml->get<double>();
    if (!(v >= 1) || std::floor(v) != v) bad_field(path, "model_max_length", "must be >= 1");
    c.model_max_length = v > std::numeric_limits<int32_t>::max() ? read_max_position_embeddings(dir)
                                                                 : static_cast<int>(v);
  }
  c.cls_token = special_token(cfg, "cls_token", c.cls_token, path);
  c.sep_token = special_token(cfg, "sep_token", c.sep_token, path);
  c.pad_token = special_token(cfg, "pad_token", c.pad_token, path);
  c.unk_token = special_token(cfg, "unk_token", c.unk_token, path);
  c.mask_token = special_token(cfg, "mask_token", c.mask_token, path);
}

}  // namespace

Tokenizer Tokenizer::from_folder(const std::string& dir) {
  TokenizerSpec spec;
  const std::string tokenizer_json = dir + "/tokenizer.json";
  const std::string vocab_txt = dir + "/vocab.txt";
  if (file_exists(tokenizer_json)) {
    read_tokenizer_json(tokenizer_json, spec);
  } else if (file_exists(vocab_txt)) {
    read_vocab_txt(vocab_txt, spec);
  } else {
    throw Error(ErrorCode::kNotFound, dir + ": no tokenizer.json or vocab.txt");
  }
  read_tokenizer_config(dir, spec);
  if (!spec.has_template) spec.wordpiece.unk_token = spec.config.unk_token;
  return Tokenizer(Impl::build(std::move(spec)));
}

}  // namespace lightbert
