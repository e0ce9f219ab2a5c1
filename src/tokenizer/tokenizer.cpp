// tokenizer/tokenizer.cpp: Tokenizer::encode / encode_pair / encode_batch, Hugging Face's pipeline:
// added tokens on the raw text -> BertNormalizer per remaining section -> normalized added tokens
// -> BertPreTokenizer (whitespace split, punctuation isolated) -> WordPiece -> longest_first
// truncation -> template ([CLS] A [SEP] B [SEP]). Byte-level BPE sections go through the ByteLevel
// pre-tokenizer (optional prefix space, GPT-2 split, bytes) and the merges, then ByteLevel's
// trim_offsets; SentencePiece sections go to the SentencePiece model whole.
// Contract: encode is const and thread-safe; its working buffers are thread_local and reused, so
// the per-character path allocates nothing. Offsets are code point indices of the caller's text
// ([begin, end)); tokens from the text carry their word index within their sequence; template
// tokens get offsets (0, 0), sequence id -1 and word id -1. Invalid UTF-8 -> kInvalidArgument.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "lightbert/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_text.h"

namespace lightbert {

using tokenizer::AddedMatch;

struct Tokenizer::Impl::Piece {
  int32_t id;
  int32_t begin;  // code points of the original text
  int32_t end;
  int32_t word;
};

struct Tokenizer::Impl::Scratch {
  std::vector<char32_t> text;        // the decoded input
  std::vector<char32_t> normalized;  // one section, normalized
  std::vector<int32_t> source;       // input index of each normalized code point
  std::vector<AddedMatch> raw_matches, normalized_matches;
  tokenizer::WordPieceScratch word;
  std::vector<tokenizer::WordPieceMatch> word_pieces;
  std::vector<char32_t> section;        // byte-level: the section, with its prefix space
  std::vector<int32_t> section_source;  // input index of each section code point
  std::vector<std::pair<size_t, size_t>> splits;
  std::string bytes;                 // one pre-token, UTF-8
  std::vector<int32_t> byte_source;  // input index of each byte
  tokenizer::BpeScratch bpe;
  std::vector<tokenizer::BpePiece> bpe_pieces;
  tokenizer::SpmScratch spm;
  std::vector<tokenizer::SpmPiece> spm_pieces;
  std::vector<Piece> a, b;
};

namespace {

inline bool split_space(char32_t c) {
  return c < 0x80 ? (c == ' ' || (c >= 0x09 && c <= 0x0D)) : tokenizer::is_whitespace(c);
}

inline bool split_punct(char32_t c) {
  if (c < 0x80) {
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
  }
  return tokenizer::is_punctuation(c);
}

}  // namespace

class Tokenizer::Impl::SequenceEncoder {
 public:
  SequenceEncoder(const Impl& impl, Scratch& s, std::vector<Piece>& out)
      : impl_(impl), s_(s), out_(out) {}

  void run(std::string_view text, const char* what) {
    out_.clear();
    if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": longer than 2^31-1 bytes");
    }
    const size_t bad = tokenizer::decode_utf8(text, s_.text);
    if (bad != std::string_view::npos) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string(what) + ": invalid UTF-8 at byte " + std::to_string(bad));
    }
    const size_t n = s_.text.size();
    s_.raw_matches.clear();
    impl_.raw_matcher.find(s_.text.data(), 0, n, s_.raw_matches);
    size_t pos = 0;
    for (const AddedMatch& m : s_.raw_matches) {
      if (pos < m.begin) section(pos, m.begin);
      out_.push_back({m.id, static_cast<int32_t>(m.begin), static_cast<int32_t>(m.end), word_++});
      pos = m.end;
    }
    if (pos < n) section(pos, n);
    if (impl_.byte_level.trim_offsets) trim_offsets();
  }

 private:
  void section(size_t begin, size_t end) {
    if (impl_.kind == TokenizerModelKind::kSentencePiece) return spm_section(begin, end);
    s_.normalized.clear();
    s_.source.clear();
    if (impl_.has_normalizer) {
      impl_.normalizer.normalize(s_.text.data(), begin, end, s_.normalized, s_.source);
    } else {
      for (size_t i = begin; i < end; ++i) {
        s_.normalized.push_back(s_.text[i]);
        s_.source.push_back(static_cast<int32_t>(i));
      }
    }
    const size_t n = s_.normalized.size();
    if (impl_.normalized_matcher.empty()) return pre_tokenize(0, n);
    s_.normalized_matches.clear();
    impl_.normalized_matcher.find(s_.normalized.data(), 0, n, s_.normalized_matches);
    size_t pos = 0;
    for (const AddedMatch& m : s_.normalized_matches) {
      if (pos < m.begin) pre_tokenize(pos, m.begin);
      out_.push_back({m.id, s_.source[m.begin], s_.source[m.end - 1] + 1, word_++});
      pos = m.end;
    }
    if (pos < n) pre_tokenize(pos, n);
  }

  // BertPreTokenizer over normalized[begin, end): whitespace separates words and is dropped,
  // each punctuation character is a word of its own.
  void pre_tokenize(size_t begin, size_t end) {
    if (impl_.kind == TokenizerModelKind::kByteLevelBpe) return byte_level(begin, end);
    const char32_t* norm = s_.normalized.data();
    size_t i = begin;
    while (i < end) {
      const char32_t c = norm[i];
      if (split_space(c)) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      if (!split_punct(c)) {
        while (j < end && !split_space(norm[j]) && !split_punct(norm[j])) ++j;
      }
      word(i, j);
      i = j;
    }
  }

  void word(size_t begin, size_t end) {
    s_.word_pieces.clear();
    impl_.model.tokenize_word(s_.normalized.data() + begin, end - begin, s_.word, s_.word_pieces);
    const int32_t* src = s_.source.data() + begin;
    for (const auto& p : s_.word_pieces) {
      out_.push_back({p.id, src[p.begin], src[p.end - 1] + 1, word_});
    }
    ++word_;
  }

  // ByteLevel pre-tokenizer + BPE over normalized[begin, end).
  void byte_level(size_t begin, size_t end) {
    auto& cps = s_.section;
    auto& src = s_.section_source;
    cps.clear();
    src.clear();
    if (impl_.byte_level.add_prefix_space && s_.normalized[begin] != ' ') {
      cps.push_back(' ');  // aligned with the first character, as NormalizedString::prepend
      src.push_back(s_.source[begin]);
    }
    cps.insert(cps.end(), s_.normalized.begin() + begin, s_.normalized.begin() + end);
    src.insert(src.end(), s_.source.begin() + begin, s_.source.begin() + end);
    s_.splits.clear();
    if (impl_.byte_level.use_regex) {
      tokenizer::gpt2_split(cps.data(), cps.size(), s_.splits);
    } else {
      s_.splits.emplace_back(0, cps.size());
    }
    for (const auto& [a, b] : s_.splits) {
      s_.bytes.clear();
      s_.byte_source.clear();
      for (size_t i = a; i < b; ++i) {
        const int len = tokenizer::append_utf8(cps[i], s_.bytes);
        s_.byte_source.insert(s_.byte_source.end(), static_cast<size_t>(len), src[i]);
      }
      s_.bpe_pieces.clear();
      impl_.bpe.tokenize_word(reinterpret_cast<const unsigned char*>(s_.bytes.data()),
                              s_.bytes.size(), s_.bpe, s_.bpe_pieces);
      for (const tokenizer::BpePiece& p : s_.bpe_pieces) {
        out_.push_back({p.id, s_.byte_source[static_cast<size_t>(p.begin)],
                        s_.byte_source[static_cast<size_t>(p.end) - 1] + 1, word_});
      }
      ++word_;
    }
  }

  // tokenizers' byte_level::process_offsets: leading/trailing U+0120 (or whitespace) of a token
  // leave its offsets, except the one prefix space of a sequence's first token.
  void trim_offsets() {
    for (size_t k = 0; k < out_.size(); ++k) {
      Piece& p = out_[k];
      const auto id = static_cast<size_t>(p.id);
      int32_t lead = impl_.lead_spaces[id];
      const int32_t trail = impl_.trail_spaces[id];
      if (lead > 0) {
        const bool is_first = k == 0 || p.begin == 0;
        if (is_first && impl_.byte_level.trim_add_prefix_space && lead == 1) lead = 0;
        p.begin = std::min(p.begin + lead, p.end);
      }
      if (trail > 0 && p.end >= trail) p.end = std::max(p.end - trail, p.begin);
    }
  }

  // A SentencePiece section: the model sees the raw text (its own rules normalize it).
  void spm_section(size_t begin, size_t end) {
    s_.spm_pieces.clear();
    impl_.spm->encode(s_.text.data(), begin, end, s_.spm, s_.spm_pieces);
    bool first = true;
    for (const tokenizer::SpmPiece& p : s_.spm_pieces) {
      if (p.word_start && !first) ++word_;
      first = false;
      out_.push_back({p.id, p.begin, p.end, word_});
    }
    if (!first) ++word_;
  }

  const Impl& impl_;
  Scratch& s_;
  std::vector<Piece>& out_;
  int32_t word_ = 0;
};

Encoding Tokenizer::Impl::encode(std::string_view text, const std::string_view* text_pair,
                                 const EncodeOptions& options) const {
  thread_local Scratch s;
  SequenceEncoder(*this, s, s.a).run(text, "text");
  const bool is_pair = text_pair != nullptr;
  if (is_pair) SequenceEncoder(*this, s, s.b).run(*text_pair, "text_pair");
  const Impl& impl = *this;
  size_t n_a = s.a.size();
  size_t n_b = is_pair ? s.b.size() : 0;
  const size_t added = options.add_special_tokens ? impl.post.added(is_pair) : 0;
  if (options.max_length < -1) {
    throw Error(ErrorCode::kInvalidArgument,
                "max_length " + std::to_string(options.max_length) + " is negative");
  }
  if (options.truncation) {
    const int max_length =
        options.max_length == -1 ? impl.config.model_max_length : options.max_length;
    if (static_cast<size_t>(max_length) < added) {
      throw Error(ErrorCode::kInvalidArgument, "max_length " + std::to_string(max_length) +
                                                   " is smaller than the " + std::to_string(added) +
                                                   " special tokens of a " +
                                                   (is_pair ? "pair" : "single sequence"));
    }
    tokenizer::truncate_lengths(static_cast<size_t>(max_length) - added, is_pair, n_a, n_b);
  }
  const size_t total = n_a + n_b + added;
  Encoding e;
  e.input_ids.reserve(total);
  e.token_type_ids.reserve(total);
  e.tokens.reserve(total);
  e.offsets.reserve(total);
  e.sequence_ids.reserve(total);
  e.word_ids.reserve(total);
  const auto emit = [&](int32_t id, int32_t type_id, int32_t begin, int32_t end, int32_t seq,
                        int32_t word) {
    e.input_ids.push_back(id);
    e.token_type_ids.push_back(type_id);
    e.tokens.push_back(impl.id_to_token[static_cast<size_t>(id)]);
    e.offsets.emplace_back(begin, end);
    e.sequence_ids.push_back(seq);
    e.word_ids.push_back(word);
  };
  for (const tokenizer::TemplateItem& item : is_pair ? impl.post.pair : impl.post.single) {
    if (item.is_sequence) {
      const std::vector<Piece>& pieces = item.sequence == 0 ? s.a : s.b;
      const size_t n = item.sequence == 0 ? n_a : n_b;
      for (size_t k = 0; k < n; ++k) {
        const Piece& p = pieces[k];
        emit(p.id, item.type_id, p.begin, p.end, item.sequence, p.word);
      }
    } else if (options.add_special_tokens) {
      for (int32_t id : item.ids) emit(id, item.type_id, 0, 0, -1, -1);
    }
  }
  e.attention_mask.assign(e.input_ids.size(), 1);
  return e;
}

Encoding Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  return impl_->encode(text, nullptr, options);
}

Encoding Tokenizer::encode_pair(std::string_view text, std::string_view text_pair,
                                const EncodeOptions& options) const {
  return impl_->encode(text, &text_pair, options);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string_view>& texts,
                                              const EncodeOptions& options) const {
  std::vector<Encoding> out;
  out.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    try {
      out.push_back(encode(texts[i], options));
    } catch (const Error& err) {
      throw Error(err.code(), "texts[" + std::to_string(i) + "]: " + err.what());
    }
  }
  return out;
}

}  // namespace lightbert
