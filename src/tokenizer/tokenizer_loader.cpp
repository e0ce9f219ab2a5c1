// tokenizer/tokenizer_loader.cpp: Tokenizer::from_folder, reading a Hugging Face model folder.
// Contract: from_folder picks the model from the files present: DIR/tokenizer.json (WordPiece
// here; BPE in tokenizer_loader_bpe.cpp; Unigram only when the SentencePiece file it came from
// is present, read by tokenizer_loader_spm.cpp), else vocab.json + merges.txt (byte-level BPE),
// else spiece.model / sentencepiece.bpe.model, else DIR/tokenizer.json (WordPiece model,
// BertNormalizer or null, BertPreTokenizer, added_tokens, TemplateProcessing / BertProcessing /
// RobertaProcessing / ByteLevel / Sequence / null post-processor), else DIR/vocab.txt (one token
// per line, id = line number; a repeated token keeps its last line, as Hugging Face's loaders do).
// DIR/tokenizer_config.json, when present, overrides do_lower_case, strip_accents and
// tokenize_chinese_chars (like BertTokenizerFast), and gives model_max_length (absent or a "no
// limit" sentinel above 2^31-1: DIR/config.json max_position_embeddings, else 512) and the special
// tokens (strings or {"content": ...}). Any malformed or unsupported field throws lightbert::Error
// naming the file and the field.
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "tokenizer/loader_json.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/tokenizer_loaders.h"

namespace lightbert::tokenizer::loader {

using nlohmann::json;

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

namespace {

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

void read_processor(const json& pp, const std::string& path, const std::string& field,
                    TokenizerSpec& spec) {
  if (!pp.is_object()) bad_field(path, field, "must be an object");
  const std::string type = get_string(pp, "type", "", path, field + ".");
  const auto pair_id = [&](const char* key) {
    const json& v = pp.value(key, json());
    if (!v.is_array() || v.size() != 2 || !v[0].is_string()) {
      bad_field(path, field + "." + key, "must be [token, id]");
    }
    return static_cast<int32_t>(get_int(v[1], path, field + "." + key, 0, (1 << 26) - 1));
  };
  if (type == "BertProcessing") {
    spec.post = tokenizer::Template::bert(pair_id("cls"), pair_id("sep"));
    return;
  }
  if (type == "RobertaProcessing" || type == "ByteLevel") {
    if (type == "RobertaProcessing") {
      spec.post = tokenizer::Template::roberta(pair_id("cls"), pair_id("sep"));
      spec.config.cls_token = pp["cls"][0].get<std::string>();
      spec.config.sep_token = pp["sep"][0].get<std::string>();
    }
    spec.byte_level.trim_offsets = get_bool(pp, "trim_offsets", true, path, field + ".");
    spec.byte_level.trim_add_prefix_space =
        get_bool(pp, "add_prefix_space", true, path, field + ".");
    return;
  }
  if (type == "Sequence") {
    const json& list = pp.value("processors", json());
    if (!list.is_array()) bad_field(path, field + ".processors", "must be an array");
    for (size_t i = 0; i < list.size(); ++i) {
      read_processor(list[i], path, field + ".processors[" + std::to_string(i) + "]", spec);
    }
    return;
  }
  if (type != "TemplateProcessing") {
    bad_field(path, field + ".type", "\"" + type + "\" is not supported", ErrorCode::kUnsupported);
  }
  const json specials = pp.value("special_tokens", json::object());
  if (!specials.is_object()) bad_field(path, field + ".special_tokens", "must be an object");
  for (const char* key : {"single", "pair"}) {
    const json& items = pp.value(key, json());
    if (!items.is_array()) bad_field(path, field + "." + key, "must be an array");
    auto& out = std::string(key) == "single" ? spec.post.single : spec.post.pair;
    out.clear();
    for (size_t i = 0; i < items.size(); ++i) {
      out.push_back(read_template_item(items[i], specials, path,
                                       field + "." + key + "[" + std::to_string(i) + "]"));
    }
  }
}

}  // namespace

void read_post_processor(const json& j, const std::string& path, TokenizerSpec& spec) {
  auto it = j.find("post_processor");
  spec.has_template = true;
  spec.post = tokenizer::Template::none();
  if (it == j.end() || it->is_null()) return;
  read_processor(*it, path, "post_processor", spec);
}

namespace {

void read_wordpiece_tokenizer_json(const json& j, const std::string& path, TokenizerSpec& spec) {
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

}  // namespace

int read_max_position_embeddings(const std::string& dir) {
  const std::string path = dir + "/config.json";
  if (!file_exists(path)) return 512;
  const json cfg = parse_json(path);
  auto it = cfg.find("max_position_embeddings");
  if (it == cfg.end() || it->is_null()) return 512;
  return static_cast<int>(get_int(*it, path, "max_position_embeddings", 1, 1 << 24));
}

// special_tokens_map.json overrides tokenizer_config.json, as in from_pretrained.
void read_special_tokens_map(const std::string& dir, TokenizerSpec& spec) {
  const std::string path = dir + "/special_tokens_map.json";
  if (!file_exists(path)) return;
  const json map = parse_json(path);
  TokenizerConfig& c = spec.config;
  c.cls_token = special_token(map, "cls_token", c.cls_token, path);
  c.sep_token = special_token(map, "sep_token", c.sep_token, path);
  c.pad_token = special_token(map, "pad_token", c.pad_token, path);
  c.unk_token = special_token(map, "unk_token", c.unk_token, path);
  c.mask_token = special_token(map, "mask_token", c.mask_token, path);
}

void read_tokenizer_config(const std::string& dir, TokenizerSpec& spec) {
  const std::string path = dir + "/tokenizer_config.json";
  TokenizerConfig& c = spec.config;
  if (!file_exists(path)) {
    c.model_max_length = read_max_position_embeddings(dir);
    read_special_tokens_map(dir, spec);
    return;
  }
  const json cfg = parse_json(path);
  spec.config_source = path;
  c.do_lower_case = get_bool(cfg, "do_lower_case", c.do_lower_case, path);
  c.tokenize_chinese_chars =
      get_bool(cfg, "tokenize_chinese_chars", c.tokenize_chinese_chars, path);
  if (cfg.contains("clean_up_tokenization_spaces") &&
      !cfg["clean_up_tokenization_spaces"].is_null()) {
    c.clean_up_tokenization_spaces = get_bool(cfg, "clean_up_tokenization_spaces", true, path);
  }
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
  read_special_tokens_map(dir, spec);
}

}  // namespace lightbert::tokenizer::loader

namespace lightbert {

Tokenizer Tokenizer::from_folder(const std::string& dir) {
  using namespace tokenizer::loader;
  TokenizerSpec spec;
  const std::string tokenizer_json = dir + "/tokenizer.json";
  const std::string spiece = dir + "/spiece.model";
  const std::string spm_bpe = dir + "/sentencepiece.bpe.model";
  const std::string spm_file = file_exists(spiece) ? spiece : file_exists(spm_bpe) ? spm_bpe : "";
  if (file_exists(tokenizer_json)) {
    const nlohmann::json j = parse_json(tokenizer_json);
    auto model = j.find("model");
    if (model == j.end() || !model->is_object()) {
      bad_field(tokenizer_json, "model", "must be an object");
    }
    const std::string type = get_string(*model, "type", "", tokenizer_json, "model.");
    if (type == "WordPiece") {
      read_wordpiece_tokenizer_json(j, tokenizer_json, spec);
      read_tokenizer_config(dir, spec);
      if (!spec.has_template) spec.wordpiece.unk_token = spec.config.unk_token;
    } else if (type == "BPE") {
      read_bpe_tokenizer_json(j, tokenizer_json, dir, spec);
    } else if (type == "Unigram" && !spm_file.empty()) {
      read_sentencepiece(dir, spm_file, spec);  // the model file the Unigram table came from
    } else {
      bad_field(tokenizer_json, "model.type",
                "\"" + type +
                    "\" is not supported (WordPiece, BPE; Unigram only next to a "
                    "spiece.model or sentencepiece.bpe.model)",
                ErrorCode::kUnsupported);
    }
  } else if (file_exists(dir + "/vocab.json") && file_exists(dir + "/merges.txt")) {
    read_bpe_files(dir, spec);
  } else if (!spm_file.empty()) {
    read_sentencepiece(dir, spm_file, spec);
  } else if (file_exists(dir + "/vocab.txt")) {
    read_vocab_txt(dir + "/vocab.txt", spec);
    read_tokenizer_config(dir, spec);
    spec.wordpiece.unk_token = spec.config.unk_token;
  } else {
    throw Error(ErrorCode::kNotFound,
                dir +
                    ": no tokenizer.json, vocab.json + merges.txt, spiece.model, "
                    "sentencepiece.bpe.model or vocab.txt");
  }
  return Tokenizer(Impl::build(std::move(spec)));
}

}  // namespace lightbert
