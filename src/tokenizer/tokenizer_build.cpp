// tokenizer/tokenizer_build.cpp: assembling and validating a Tokenizer::Impl from a TokenizerSpec
// (any of the three models), Tokenizer::from_vocab, and the Tokenizer accessors.
// Contract: build() throws lightbert::Error (kFormat) naming the source file and the field when
// the vocabulary is empty, a special token is not in the vocabulary, an id is out of range, or a
// setting is invalid; a built Impl never refers to a missing id.
#include <algorithm>
#include <string>
#include <utility>

#include "lightbert/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_text.h"

namespace lightbert {
namespace {

using tokenizer::AddedToken;

constexpr int32_t kMaxId = 1 << 26;  // far above any real vocabulary; guards absurd ids

std::u32string decode_or_throw(const std::string& text, const std::string& where) {
  std::vector<char32_t> cps;
  if (tokenizer::decode_utf8(text, cps) != std::string_view::npos) {
    throw Error(ErrorCode::kFormat, where + ": invalid UTF-8");
  }
  return std::u32string(cps.begin(), cps.end());
}

}  // namespace

std::unique_ptr<Tokenizer::Impl> Tokenizer::Impl::build(TokenizerSpec spec) {
  auto impl = std::make_unique<Impl>();
  const std::string& src = spec.source;
  TokenizerConfig& config = spec.config;
  if (config.model_max_length <= 0) {
    throw Error(ErrorCode::kFormat, src + ": model_max_length must be positive");
  }

  std::vector<std::pair<std::string_view, int32_t>> entries;
  entries.reserve(spec.vocab.size());
  std::vector<char32_t> scratch;
  for (size_t i = 0; i < spec.vocab.size(); ++i) {
    if (spec.vocab_present.empty() || spec.vocab_present[i]) {
      if (tokenizer::decode_utf8(spec.vocab[i], scratch) != std::string_view::npos) {
        throw Error(ErrorCode::kFormat,
                    src + ": vocabulary entry " + std::to_string(i) + " is not valid UTF-8");
      }
      entries.emplace_back(spec.vocab[i], static_cast<int32_t>(i));
    }
  }
  if (entries.empty()) throw Error(ErrorCode::kFormat, src + ": the vocabulary is empty");
  impl->kind = spec.kind;
  if (spec.kind == TokenizerModelKind::kWordPiece) {
    spec.wordpiece.max_input_chars_per_word = config.max_input_chars_per_word;
    impl->model = tokenizer::WordPiece(entries, spec.wordpiece, src);
  } else if (spec.kind == TokenizerModelKind::kByteLevelBpe) {
    tokenizer::BpeOptions options;
    options.ignore_merges = spec.ignore_merges;
    if (!spec.bpe_unk_token.empty()) {
      for (const auto& [token, id] : entries) {
        if (token == spec.bpe_unk_token) options.unk_id = id;
      }
      if (options.unk_id < 0) {
        throw Error(ErrorCode::kFormat, src + ": model.unk_token \"" + spec.bpe_unk_token +
                                            "\" is not in the vocabulary");
      }
    }
    impl->bpe = tokenizer::ByteLevelBpe(entries, spec.merges, options, src);
    impl->byte_level = spec.byte_level;
  } else {
    if (!spec.spm) throw Error(ErrorCode::kFormat, src + ": no SentencePiece model");
    impl->spm = spec.spm;
  }

  tokenizer::NormalizerOptions nopt;
  nopt.clean_text = config.clean_text;
  nopt.handle_chinese_chars = config.tokenize_chinese_chars;
  nopt.lowercase = config.do_lower_case;
  nopt.strip_accents = config.strip_accents.value_or(config.do_lower_case);
  impl->normalizer = tokenizer::BertNormalizer(nopt);
  impl->has_normalizer = spec.has_normalizer;

  // Without a tokenizer.json, the special tokens are the added tokens (never split, matched on
  // the raw text), as in BertTokenizer.
  if (spec.added_tokens.empty() && !spec.has_template &&
      spec.kind == TokenizerModelKind::kWordPiece) {
    for (const std::string* t : {&config.pad_token, &config.unk_token, &config.cls_token,
                                 &config.sep_token, &config.mask_token}) {
      AddedToken token;
      token.content = *t;
      token.id = impl->model.find(*t);
      if (token.id >= 0) spec.added_tokens.push_back(token);
    }
  }

  for (const AddedToken& t : spec.added_tokens) {
    if (t.id < 0 || t.id >= kMaxId) {
      throw Error(ErrorCode::kFormat, src + ": added_tokens: id " + std::to_string(t.id) +
                                          " of \"" + t.content + "\" is out of range");
    }
    entries.emplace_back(t.content, t.id);
  }
  impl->token_to_id = tokenizer::StringIdMap(entries);  // copies the keys: views may dangle now
  entries.clear();
  impl->id_to_token = std::move(spec.vocab);
  for (const AddedToken& t : spec.added_tokens) {
    if (static_cast<size_t>(t.id) >= impl->id_to_token.size()) {
      impl->id_to_token.resize(static_cast<size_t>(t.id) + 1);
    }
    impl->id_to_token[static_cast<size_t>(t.id)] = t.content;
  }

  std::vector<AddedToken> raw, normalized;
  std::vector<std::u32string> raw_patterns, normalized_patterns;
  for (const AddedToken& t : spec.added_tokens) {
    const std::u32string content = decode_or_throw(t.content, src + ": added token");
    if (!t.normalized) {
      raw.push_back(t);
      raw_patterns.push_back(content);
      continue;
    }
    std::vector<char32_t> out;
    std::vector<int32_t> source;
    if (impl->has_normalizer) {
      impl->normalizer.normalize(content.data(), 0, content.size(), out, source);
    } else {
      out.assign(content.begin(), content.end());
    }
    normalized.push_back(t);
    normalized_patterns.emplace_back(out.begin(), out.end());
  }
  impl->raw_matcher = tokenizer::AddedTokenMatcher(raw, raw_patterns);
  impl->normalized_matcher = tokenizer::AddedTokenMatcher(normalized, normalized_patterns);

  const auto special_id = [&](const std::string& token, const char* field) {
    const int32_t id = impl->token_to_id.find(token);
    if (id < 0) {
      const std::string& file = spec.config_source.empty() ? src : spec.config_source;
      throw Error(ErrorCode::kFormat,
                  file + ": " + field + " \"" + token + "\" is not in the vocabulary");
    }
    return id;
  };
  impl->cls_id = special_id(config.cls_token, "cls_token");
  impl->sep_id = special_id(config.sep_token, "sep_token");
  impl->pad_id = special_id(config.pad_token, "pad_token");
  impl->unk_id = special_id(config.unk_token, "unk_token");
  impl->mask_id = special_id(config.mask_token, "mask_token");
  impl->special.assign(impl->id_to_token.size(), 0);
  for (int32_t id : {impl->cls_id, impl->sep_id, impl->pad_id, impl->unk_id, impl->mask_id}) {
    impl->special[static_cast<size_t>(id)] = 1;
  }
  for (const AddedToken& t : spec.added_tokens) {
    if (t.special) impl->special[static_cast<size_t>(t.id)] = 1;
  }

  impl->post = spec.has_template ? std::move(spec.post)
                                 : tokenizer::Template::bert(impl->cls_id, impl->sep_id);
  for (const auto* items : {&impl->post.single, &impl->post.pair}) {
    for (const tokenizer::TemplateItem& item : *items) {
      for (int32_t id : item.ids) {
        if (id < 0 || static_cast<size_t>(id) >= impl->id_to_token.size()) {
          throw Error(ErrorCode::kFormat, src + ": post_processor: special token id " +
                                              std::to_string(id) + " is not in the vocabulary");
        }
      }
    }
  }
  if (impl->kind == TokenizerModelKind::kByteLevelBpe) {
    // Per token: U+0120 (a byte-level space) or whitespace at either end, for trim_offsets.
    impl->lead_spaces.assign(impl->id_to_token.size(), 0);
    impl->trail_spaces.assign(impl->id_to_token.size(), 0);
    std::vector<char32_t> cps;
    for (size_t id = 0; id < impl->id_to_token.size(); ++id) {
      tokenizer::decode_utf8(impl->id_to_token[id], cps);
      const auto space = [](char32_t c) { return c == 0x120 || tokenizer::is_whitespace(c); };
      size_t lead = 0;
      while (lead < cps.size() && space(cps[lead])) ++lead;
      size_t trail = 0;
      while (trail < cps.size() && space(cps[cps.size() - 1 - trail])) ++trail;
      impl->lead_spaces[id] = static_cast<uint8_t>(std::min<size_t>(lead, 255));
      impl->trail_spaces[id] = static_cast<uint8_t>(std::min<size_t>(trail, 255));
    }
  }
  impl->config = std::move(config);
  return impl;
}

Tokenizer Tokenizer::from_vocab(std::vector<std::string> vocab, TokenizerConfig config) {
  TokenizerSpec spec;
  spec.source = "vocabulary";
  spec.vocab = std::move(vocab);
  spec.wordpiece.unk_token = config.unk_token;
  spec.config = std::move(config);
  return Tokenizer(Impl::build(std::move(spec)));
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

const TokenizerConfig& Tokenizer::config() const {
  return impl_->config;
}
TokenizerModelKind Tokenizer::model_kind() const {
  return impl_->kind;
}
size_t Tokenizer::vocab_size() const {
  return impl_->id_to_token.size();
}
int32_t Tokenizer::token_to_id(std::string_view token) const {
  return impl_->token_to_id.find(token);
}
const std::string& Tokenizer::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_to_token.size()) {
    throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(id) +
                                                 " is out of range [0, " +
                                                 std::to_string(impl_->id_to_token.size()) + ")");
  }
  return impl_->id_to_token[static_cast<size_t>(id)];
}
const std::vector<std::string>& Tokenizer::vocab() const {
  return impl_->id_to_token;
}
int32_t Tokenizer::cls_id() const {
  return impl_->cls_id;
}
int32_t Tokenizer::sep_id() const {
  return impl_->sep_id;
}
int32_t Tokenizer::pad_id() const {
  return impl_->pad_id;
}
int32_t Tokenizer::unk_id() const {
  return impl_->unk_id;
}
int32_t Tokenizer::mask_id() const {
  return impl_->mask_id;
}

}  // namespace lightbert
