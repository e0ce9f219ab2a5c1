// tokenizer/tokenizer_loader_bpe.cpp: byte-level BPE folders (RoBERTa, GPT-2 style).
// Contract: read_bpe_tokenizer_json() takes a tokenizer.json with model.type "BPE" (vocab,
// merges as "a b" strings or [a, b] pairs, unk_token or null, ignore_merges; dropout,
// byte_fallback, a continuing_subword_prefix or end_of_word_suffix are kUnsupported), normalizer
// null, a ByteLevel pre-tokenizer (add_prefix_space, use_regex), added_tokens and the
// post-processor (RobertaProcessing, ByteLevel, TemplateProcessing, Sequence). read_bpe_files()
// takes the slow layout, vocab.json + merges.txt ("#version" first line optional), and builds
// what Hugging Face's RobertaConverter builds: ByteLevel(add_prefix_space) with
// RobertaProcessing(trim_offsets) from tokenizer_config.json (defaults false / true), the special
// tokens as added tokens (<mask> lstrip unless the config says otherwise; added_tokens_decoder
// when present), no unk token in the model. Both then read tokenizer_config.json and
// special_tokens_map.json; special tokens default to <s> </s> <pad> <unk> <mask>.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lightbert/error.h"
#include "tokenizer/loader_json.h"
#include "tokenizer/tokenizer_loaders.h"

namespace lightbert::tokenizer::loader {
namespace {

using nlohmann::json;
constexpr int64_t kMaxId = (1 << 26) - 1;

void roberta_defaults(TokenizerSpec& spec) {
  spec.kind = TokenizerModelKind::kByteLevelBpe;
  spec.has_normalizer = false;
  TokenizerConfig& c = spec.config;
  c.do_lower_case = false;
  c.strip_accents = false;
  c.tokenize_chinese_chars = false;
  c.cls_token = "<s>";
  c.sep_token = "</s>";
  c.pad_token = "<pad>";
  c.unk_token = "<unk>";
  c.mask_token = "<mask>";
}

void read_vocab_object(const json& vocab, const std::string& path, const std::string& field,
                       TokenizerSpec& spec) {
  if (!vocab.is_object()) bad_field(path, field, "must be an object of token: id");
  if (vocab.empty()) bad_field(path, field, "is empty");
  for (const auto& [token, id_value] : vocab.items()) {
    const auto id =
        static_cast<size_t>(get_int(id_value, path, field + "[\"" + token + "\"]", 0, kMaxId));
    if (id >= spec.vocab.size()) {
      spec.vocab.resize(id + 1);
      spec.vocab_present.resize(id + 1, false);
    }
    spec.vocab[id] = token;
    spec.vocab_present[id] = true;
  }
}

std::pair<std::string, std::string> split_merge(const std::string& line, const std::string& path,
                                                const std::string& field) {
  const size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= line.size() ||
      line.find(' ', space + 1) != std::string::npos) {
    bad_field(path, field, "must be two tokens separated by one space");
  }
  return {line.substr(0, space), line.substr(space + 1)};
}

void require_empty(const json& model, const char* key, const std::string& path) {
  const std::string v = get_string(model, key, "", path, "model.");
  if (!v.empty()) {
    bad_field(path, std::string("model.") + key, "\"" + v + "\" is not supported",
              ErrorCode::kUnsupported);
  }
}

}  // namespace

void read_bpe_tokenizer_json(const json& j, const std::string& path, const std::string& dir,
                             TokenizerSpec& spec) {
  roberta_defaults(spec);
  spec.source = path;
  const json& model = j["model"];
  auto vocab = model.find("vocab");
  if (vocab == model.end()) bad_field(path, "model.vocab", "is missing");
  read_vocab_object(*vocab, path, "model.vocab", spec);
  auto merges = model.find("merges");
  if (merges == model.end() || !merges->is_array())
    bad_field(path, "model.merges", "must be an array");
  for (size_t i = 0; i < merges->size(); ++i) {
    const json& m = (*merges)[i];
    const std::string field = "model.merges[" + std::to_string(i) + "]";
    if (m.is_string()) {
      spec.merges.push_back(split_merge(m.get<std::string>(), path, field));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      spec.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      bad_field(path, field, "must be \"a b\" or [\"a\", \"b\"]");
    }
  }
  spec.bpe_unk_token = get_string(model, "unk_token", "", path, "model.");
  spec.ignore_merges = get_bool(model, "ignore_merges", false, path, "model.");
  require_empty(model, "continuing_subword_prefix", path);
  require_empty(model, "end_of_word_suffix", path);
  if (get_bool(model, "byte_fallback", false, path, "model.")) {
    bad_field(path, "model.byte_fallback", "true is not supported", ErrorCode::kUnsupported);
  }
  auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0.0)) {
    bad_field(path, "model.dropout", "is not supported (only null)", ErrorCode::kUnsupported);
  }
  auto norm = j.find("normalizer");
  if (norm != j.end() && !norm->is_null()) {
    bad_field(path, "normalizer", "must be null for a BPE model", ErrorCode::kUnsupported);
  }
  auto pre = j.find("pre_tokenizer");
  if (pre == j.end() || !pre->is_object() ||
      get_string(*pre, "type", "", path, "pre_tokenizer.") != "ByteLevel") {
    bad_field(path, "pre_tokenizer", "must be {\"type\": \"ByteLevel\"} for a BPE model",
              ErrorCode::kUnsupported);
  }
  spec.byte_level.add_prefix_space =
      get_bool(*pre, "add_prefix_space", true, path, "pre_tokenizer.");
  spec.byte_level.use_regex = get_bool(*pre, "use_regex", true, path, "pre_tokenizer.");
  read_added_tokens(j, path, spec);
  read_post_processor(j, path, spec);
  read_tokenizer_config(dir, spec);
}

void read_bpe_files(const std::string& dir, TokenizerSpec& spec) {
  roberta_defaults(spec);
  const std::string vocab_path = dir + "/vocab.json";
  const std::string merges_path = dir + "/merges.txt";
  spec.source = vocab_path;
  read_vocab_object(parse_json(vocab_path), vocab_path, "(top level)", spec);
  const std::string text = read_text(merges_path);
  size_t pos = 0;
  for (size_t line_no = 1; pos < text.size(); ++line_no) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    size_t end = eol;
    if (end > pos && text[end - 1] == '\r') --end;
    const std::string line = text.substr(pos, end - pos);
    pos = eol + 1;
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    spec.merges.push_back(split_merge(line, merges_path, "line " + std::to_string(line_no)));
  }
  read_tokenizer_config(dir, spec);

  const std::string config_path = dir + "/tokenizer_config.json";
  const json cfg = file_exists(config_path) ? parse_json(config_path) : json::object();
  const bool prefix = get_bool(cfg, "add_prefix_space", false, config_path);
  spec.byte_level.add_prefix_space = prefix;
  spec.byte_level.trim_add_prefix_space = prefix;
  spec.byte_level.trim_offsets = get_bool(cfg, "trim_offsets", true, config_path);

  add_special_tokens(cfg, config_path, spec);
  spec.has_template = true;
  spec.post = tokenizer::Template::roberta(find_token_id(spec, spec.config.cls_token),
                                           find_token_id(spec, spec.config.sep_token));
}

int32_t find_token_id(const TokenizerSpec& spec, const std::string& token) {
  for (size_t i = 0; i < spec.vocab.size(); ++i) {
    if ((spec.vocab_present.empty() || spec.vocab_present[i]) && spec.vocab[i] == token) {
      return static_cast<int32_t>(i);
    }
  }
  for (const auto& t : spec.added_tokens) {
    if (t.content == token) return t.id;
  }
  return -1;
}

// lstrip/rstrip/single_word/normalized of a special token given as an object in a config file.
void token_flags(const json& cfg, const char* key, const std::string& path, AddedToken& token) {
  auto it = cfg.find(key);
  if (it == cfg.end() || !it->is_object()) return;
  const std::string prefix = std::string(key) + ".";
  token.lstrip = get_bool(*it, "lstrip", token.lstrip, path, prefix);
  token.rstrip = get_bool(*it, "rstrip", token.rstrip, path, prefix);
  token.single_word = get_bool(*it, "single_word", token.single_word, path, prefix);
}

void add_special_tokens(const json& cfg, const std::string& config_path, TokenizerSpec& spec) {
  auto decoder = cfg.find("added_tokens_decoder");
  const bool has_decoder = decoder != cfg.end() && decoder->is_object();
  if (has_decoder) {
    json wrapped = {{"added_tokens", json::array()}};
    for (const auto& [id, token] : decoder->items()) {
      json t = token;
      try {
        t["id"] = std::stoll(id);
      } catch (const std::exception&) {
        bad_field(config_path, "added_tokens_decoder." + id, "has a key that is not an id");
      }
      wrapped["added_tokens"].push_back(t);
    }
    read_added_tokens(wrapped, config_path, spec);
  }
  // The special tokens are added tokens (appended to the vocabulary when absent).
  const TokenizerConfig& c = spec.config;
  const std::pair<const std::string*, const char*> specials[] = {{&c.cls_token, "cls_token"},
                                                                 {&c.sep_token, "sep_token"},
                                                                 {&c.unk_token, "unk_token"},
                                                                 {&c.pad_token, "pad_token"},
                                                                 {&c.mask_token, "mask_token"}};
  for (const auto& [content, key] : specials) {
    bool seen = false;
    for (const auto& t : spec.added_tokens) seen = seen || t.content == *content;
    if (seen) continue;
    AddedToken token;
    token.content = *content;
    token.id = find_token_id(spec, *content);
    if (token.id < 0) {
      token.id = static_cast<int32_t>(spec.vocab.size() + spec.added_tokens.size());
    }
    token.lstrip = std::string(key) == "mask_token";
    token_flags(cfg, key, config_path, token);
    spec.added_tokens.push_back(token);
  }
  for (auto& t : spec.added_tokens) t.normalized = false;  // no normalizer runs before them
}

}  // namespace lightbert::tokenizer::loader
