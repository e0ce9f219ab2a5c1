// tokenizer/sentencepiece_model.cpp: libsentencepiece behind AlbertTokenizer / XLMRobertaTokenizer
// rules (see the header). Every preprocessing step keeps, per output code point, the index of the
// input code point it came from, so SentencePiece's byte spans map back to the caller's text.
#include "tokenizer/sentencepiece_model.h"

#include <sentencepiece_processor.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string_view>

#include "lightbert/error.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode_text.h"

namespace lightbert::tokenizer {

struct SentencePieceModel::State {
  sentencepiece::SentencePieceProcessor sp;
  // Every code point that occurs in some piece (sorted), and whether runs of the others may be
  // shortened before SentencePiece sees them (see collapse_unknown_runs).
  std::vector<char32_t> piece_chars;
  bool collapse_unknown = false;
  // Lower-casing only. lower_chars: transformers' PreTrainedTokenizer.tokenize lower-cases each
  // character on its own (its regex matches one character at a time: no Final_Sigma); lower:
  // preprocess_text's str.lower of the whole string (Final_Sigma included).
  BertNormalizer lower_chars;
  BertNormalizer lower;
};

namespace {

constexpr char32_t kUnderline = 0x2581;  // U+2581, SentencePiece's word boundary mark
constexpr int kXlmrOffset = 1;           // fairseq: SentencePiece id k >= 3 -> k + 1
const char* const kFairseq[4] = {"<s>", "<pad>", "</s>", "<unk>"};
constexpr int kCamembertOffset = 4;  // CamembertTokenizer.fairseq_offset: SentencePiece id k -> k + 4
const char* const kCamembertFixed[5] = {"<s>NOTUSED", "<pad>", "</s>NOTUSED", "<unk>",
                                        "<unk>NOTUSED"};

// Python's str.isspace: White_Space plus the information separators U+001C..U+001F.
bool py_space(char32_t c) {
  return is_whitespace(c) || (c >= 0x1C && c <= 0x1F);
}

bool starts_with_underline(const std::string& piece) {
  return piece.size() >= 3 && static_cast<unsigned char>(piece[0]) == 0xE2 &&
         static_cast<unsigned char>(piece[1]) == 0x96 &&
         static_cast<unsigned char>(piece[2]) == 0x81;
}

// Protocol-buffer wire reading, just enough to walk ModelProto.pieces (field 1) and each
// SentencePiece.piece (field 1). Returns false on anything malformed (libsentencepiece then
// reports it). Everything protobuf accepts is walked, groups included (wire types 3 and 4, which
// protobuf skips as unknown fields), so no piece can hide behind one from check_pieces.
struct Wire {
  const uint8_t* p;
  const uint8_t* end;
  bool varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      const uint8_t b = *p++;
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  // The next field: its number, and for length-delimited fields the bytes [*data, *data + *len)
  // (for varints the value, in *len).
  bool field(uint32_t* number, int* wire_type, const uint8_t** data, uint64_t* len) {
    uint64_t key = 0;
    if (!varint(&key)) return false;
    *number = static_cast<uint32_t>(key >> 3);
    *wire_type = static_cast<int>(key & 7);
    switch (*wire_type) {
      case 0: return varint(len);
      case 1: if (end - p < 8) return false; p += 8; return true;
      case 5: if (end - p < 4) return false; p += 4; return true;
      case 2:
        if (!varint(len) || *len > static_cast<uint64_t>(end - p)) return false;
        *data = p;
        p += *len;
        return true;
      case 3: return skip_group(*number);
      default: return false;  // an end-group tag without its start, or wire type 6 / 7
    }
  }
  // After a start-group tag of field `number`: up to and past its end-group tag, nested groups
  // included (kept on a vector, not the call stack: the nesting depth is the file's choice).
  bool skip_group(uint32_t number) {
    std::vector<uint32_t> open{number};
    while (!open.empty()) {
      uint64_t key = 0, v = 0;
      if (!varint(&key)) return false;
      const auto n = static_cast<uint32_t>(key >> 3);
      switch (key & 7) {
        case 0: if (!varint(&v)) return false; break;
        case 1: if (end - p < 8) return false; p += 8; break;
        case 5: if (end - p < 4) return false; p += 4; break;
        case 2:
          if (!varint(&v) || v > static_cast<uint64_t>(end - p)) return false;
          p += v;
          break;
        case 3: open.push_back(n); break;
        case 4:
          if (open.back() != n) return false;  // protobuf: mismatched end group
          open.pop_back();
          break;
        default: return false;
      }
    }
    return true;
  }
};

// libsentencepiece builds a Darts trie from the pieces and aborts the process (an exception that
// escapes a noexcept path) on an empty piece or one holding a NUL byte: refused here first.
void check_pieces(const std::string& bytes, const std::string& path) {
  Wire top{reinterpret_cast<const uint8_t*>(bytes.data()),
           reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size()};
  size_t index = 0;
  while (top.p < top.end) {
    uint32_t number = 0;
    int type = 0;
    const uint8_t* data = nullptr;
    uint64_t len = 0;
    if (!top.field(&number, &type, &data, &len)) return;
    if (number != 1 || type != 2) continue;
    Wire piece{data, data + len};
    std::string_view text;  // proto2: an absent piece is ""; a repeated field keeps the last
    while (piece.p < piece.end) {
      uint32_t n = 0;
      int t = 0;
      const uint8_t* d = nullptr;
      uint64_t l = 0;
      if (!piece.field(&n, &t, &d, &l)) return;
      if (n == 1 && t == 2) text = std::string_view(reinterpret_cast<const char*>(d), l);
    }
    if (text.empty() || text.find('\0') != std::string_view::npos) {
      throw Error(ErrorCode::kFormat, path + ": piece " + std::to_string(index) +
                                          (text.empty() ? " is empty" : " holds a NUL byte") +
                                          " (not a valid SentencePiece model)");
    }
    ++index;
  }
}

// What collapse_unknown_runs needs from the model proto: the code points of every piece
// (ModelProto.pieces = 1, SentencePiece.piece = 1), TrainerSpec.byte_fallback (2 / 35) and
// NormalizerSpec.name (3 / 1). Malformed bytes leave the defaults (no collapsing).
struct ModelFacts {
  std::vector<char32_t> piece_chars;
  bool byte_fallback = false;
  std::string normalizer = "nmt_nfkc";  // proto2 default of NormalizerSpec.name
};

ModelFacts read_model_facts(const std::string& bytes) {
  ModelFacts f;
  Wire top{reinterpret_cast<const uint8_t*>(bytes.data()),
           reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size()};
  const auto sub_fields = [](const uint8_t* data, uint64_t len, auto&& visit) {
    Wire w{data, data + len};
    while (w.p < w.end) {
      uint32_t n = 0;
      int t = 0;
      const uint8_t* d = nullptr;
      uint64_t l = 0;
      if (!w.field(&n, &t, &d, &l)) return;
      visit(n, t, d, l);
    }
  };
  while (top.p < top.end) {
    uint32_t number = 0;
    int type = 0;
    const uint8_t* data = nullptr;
    uint64_t len = 0;
    if (!top.field(&number, &type, &data, &len)) return ModelFacts{};
    if (type != 2) continue;
    if (number == 1) {
      sub_fields(data, len, [&](uint32_t n, int t, const uint8_t* d, uint64_t l) {
        if (n != 1 || t != 2) return;
        std::vector<char32_t> cps;
        decode_utf8(std::string(reinterpret_cast<const char*>(d), l), cps);
        f.piece_chars.insert(f.piece_chars.end(), cps.begin(), cps.end());
      });
    } else if (number == 2) {
      sub_fields(data, len, [&](uint32_t n, int t, const uint8_t*, uint64_t v) {
        if (n == 35 && t == 0) f.byte_fallback = v != 0;
      });
    } else if (number == 3) {
      sub_fields(data, len, [&](uint32_t n, int t, const uint8_t* d, uint64_t l) {
        if (n == 1 && t == 2) f.normalizer.assign(reinterpret_cast<const char*>(d), l);
      });
    }
  }
  std::sort(f.piece_chars.begin(), f.piece_chars.end());
  f.piece_chars.erase(std::unique(f.piece_chars.begin(), f.piece_chars.end()), f.piece_chars.end());
  return f;
}

bool hangul_jamo(char32_t c) {
  return (c >= 0x1100 && c <= 0x11FF) || (c >= 0xA960 && c <= 0xA97F) ||
         (c >= 0xD7B0 && c <= 0xD7FF);
}

// A code point that no piece contains and that normalisation leaves alone whatever its
// neighbours: a starter with no (compatibility) decomposition, not a mark, space, control or
// format character (nmt_nfkc rewrites those) and not a Hangul jamo (they compose with starters).
bool inert_unknown(char32_t c, const std::vector<char32_t>& piece_chars) {
  if (c < 0x80 || std::binary_search(piece_chars.begin(), piece_chars.end(), c)) return false;
  if (hangul_jamo(c)) return false;
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  if (p->combining_class != 0 || p->decomp_seqindex != UINT16_MAX) return false;
  switch (p->category) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
      return false;
    default:
      return true;
  }
}

}  // namespace

// libsentencepiece is quadratic in a run of unknown characters (it merges them into one <unk>
// piece: 128k of them take 2 s, 512k a minute). Such a run becomes one piece whatever its
// length, and no piece can reach into it, so keeping its first and last code point gives the
// same pieces; the kept last one carries the run's end offset. Only for the normalisers whose
// rules are known (nmt_nfkc, nfkc, identity) and without byte fallback (which spells each
// unknown character as bytes instead).
void SentencePieceModel::collapse_unknown_runs(SpmScratch& s) const {
  const auto& chars = state_->piece_chars;
  size_t w = 0;
  size_t i = 0;
  const size_t n = s.b.size();
  while (i < n) {
    if (!inert_unknown(s.b[i], chars)) {
      s.b[w] = s.b[i];
      s.src_b[w++] = s.src_b[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < n && inert_unknown(s.b[j], chars)) ++j;
    if (j - i >= 3) {
      s.b[w] = s.b[i];
      s.src_b[w++] = s.src_b[i];
      i = j - 1;
    }
    for (; i < j; ++i) {
      s.b[w] = s.b[i];
      s.src_b[w++] = s.src_b[i];
    }
  }
  s.b.resize(w);
  s.src_b.resize(w);
}

std::shared_ptr<const SentencePieceModel> SentencePieceModel::load(const std::string& path,
                                                                   const SpmOptions& options) {
  std::shared_ptr<SentencePieceModel> m(new SentencePieceModel());
  m->state_ = std::make_unique<State>();
  m->options_ = options;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kIo, path + ": read failed");
  check_pieces(bytes.str(), path);
  const auto status = m->state_->sp.LoadFromSerializedProto(bytes.str());
  if (!status.ok()) {
    throw Error(ErrorCode::kFormat,
                path + ": not a SentencePiece model (" + status.ToString() + ")");
  }
  NormalizerOptions lower;
  lower.clean_text = false;
  lower.handle_chinese_chars = false;
  lower.lowercase = true;
  lower.strip_accents = false;
  m->state_->lower_chars = BertNormalizer(lower);
  lower.final_sigma = true;  // Python's str.lower
  m->state_->lower = BertNormalizer(lower);
  ModelFacts facts = read_model_facts(bytes.str());
  m->state_->collapse_unknown =
      !facts.byte_fallback && !facts.piece_chars.empty() &&
      (facts.normalizer == "nmt_nfkc" || facts.normalizer == "nfkc" ||
       facts.normalizer == "identity");
  m->state_->piece_chars = std::move(facts.piece_chars);
  const auto& sp = m->state_->sp;
  const int n = sp.GetPieceSize();
  if (options.family == SpmFamily::kAlbert) {
    for (int i = 0; i < n; ++i) m->vocab_.push_back(sp.IdToPiece(i));
    m->unk_id_ = sp.unk_id();
  } else if (options.family == SpmFamily::kCamembert) {
    m->vocab_.assign(kCamembertFixed, kCamembertFixed + 5);
    for (int i = 1; i < n; ++i) m->vocab_.push_back(sp.IdToPiece(i));
    m->vocab_.push_back("<mask>");  // id n + 4
    m->unk_id_ = 3;
  } else {
    if (n < 3) throw Error(ErrorCode::kFormat, path + ": fewer than 3 pieces");
    m->vocab_.assign(kFairseq, kFairseq + 4);
    for (int i = 3; i < n; ++i) m->vocab_.push_back(sp.IdToPiece(i));
    m->vocab_.push_back("<mask>");  // id n + 1
    m->unk_id_ = 3;
  }
  return m;
}

SentencePieceModel::~SentencePieceModel() = default;

int32_t SentencePieceModel::to_id(int spm_id) const {
  if (options_.family == SpmFamily::kAlbert) return spm_id;
  // As XLMRobertaTokenizer / CamembertTokenizer: SentencePiece's 0 (its <unk>) -> <unk>.
  if (spm_id == 0) return unk_id_;
  return spm_id + (options_.family == SpmFamily::kCamembert ? kCamembertOffset : kXlmrOffset);
}

// AlbertTokenizer.preprocess_text (after the tokenizer's own per-character lower-casing):
// strip + collapse whitespace, `` and '' -> ", NFKD without combining marks, lower-case.
// Leaves s.b / s.src_b holding the result, s.src_b indexing the caller's text.
void SentencePieceModel::preprocess(const char32_t* text, size_t begin, size_t end,
                                    SpmScratch& s) const {
  const SpmOptions& o = options_;
  s.a.clear();
  s.src_a.clear();
  if (o.do_lower_case) {
    state_->lower_chars.normalize(text, begin, end, s.a, s.src_a);
  } else {
    for (size_t i = begin; i < end; ++i) {
      s.a.push_back(text[i]);
      s.src_a.push_back(static_cast<int32_t>(i));
    }
  }
  s.b.clear();
  s.src_b.clear();
  if (o.remove_space) {
    size_t i = 0;
    while (i < s.a.size()) {
      if (!py_space(s.a[i])) {
        s.b.push_back(s.a[i]);
        s.src_b.push_back(s.src_a[i]);
        ++i;
        continue;
      }
      const size_t run = i;
      while (i < s.a.size() && py_space(s.a[i])) ++i;
      if (!s.b.empty() && i < s.a.size()) {
        s.b.push_back(' ');
        s.src_b.push_back(s.src_a[run]);
      }
    }
  } else {
    s.b = s.a;
    s.src_b = s.src_a;
  }
  s.a.clear();
  s.src_a.clear();
  for (size_t i = 0; i < s.b.size(); ++i) {
    const char32_t c = s.b[i];
    if ((c == '`' || c == '\'') && i + 1 < s.b.size() && s.b[i + 1] == c) {
      s.a.push_back('"');
      s.src_a.push_back(s.src_b[i]);
      ++i;
      continue;
    }
    s.a.push_back(c);
    s.src_a.push_back(s.src_b[i]);
  }
  if (!o.keep_accents) {
    s.b.clear();
    s.src_b.clear();
    for (size_t i = 0; i < s.a.size(); ++i) {
      utf8proc_int32_t parts[32];
      int bound = 0;
      const utf8proc_ssize_t n = utf8proc_decompose_char(
          static_cast<utf8proc_int32_t>(s.a[i]), parts, 32,
          static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), &bound);
      if (n < 0 || n > 32) {
        s.b.push_back(s.a[i]);
        s.src_b.push_back(s.src_a[i]);
        continue;
      }
      for (utf8proc_ssize_t k = 0; k < n; ++k) {
        const auto p = static_cast<char32_t>(parts[k]);
        if (combining_class(p) != 0) continue;
        s.b.push_back(p);
        s.src_b.push_back(s.src_a[i]);
      }
    }
  } else {
    s.b = s.a;
    s.src_b = s.src_a;
  }
  if (o.do_lower_case) {
    s.a.clear();
    s.src_a.clear();
    state_->lower.normalize(s.b.data(), 0, s.b.size(), s.a, s.src_a);
    for (int32_t& src : s.src_a) src = s.src_b[static_cast<size_t>(src)];
    s.b.swap(s.a);
    s.src_b.swap(s.src_a);
  }
}

void SentencePieceModel::encode(const char32_t* text, size_t begin, size_t end, SpmScratch& s,
                                std::vector<SpmPiece>& out) const {
  if (options_.family == SpmFamily::kAlbert) {
    preprocess(text, begin, end, s);
  } else {
    s.b.assign(text + begin, text + end);
    s.src_b.clear();
    for (size_t i = begin; i < end; ++i) s.src_b.push_back(static_cast<int32_t>(i));
  }
  if (state_->collapse_unknown) collapse_unknown_runs(s);
  s.utf8.clear();
  s.byte_src.clear();
  for (size_t i = 0; i < s.b.size(); ++i) {
    const int len = append_utf8(s.b[i], s.utf8);
    s.byte_src.insert(s.byte_src.end(), static_cast<size_t>(len), s.src_b[i]);
  }
  if (s.utf8.empty()) return;
  const auto& sp = state_->sp;
  sentencepiece::ImmutableSentencePieceText spt;
  const auto status = sp.Encode(absl::string_view(s.utf8.data(), s.utf8.size()), spt.mutable_proto());
  if (!status.ok()) {
    throw Error(ErrorCode::kInternal, "SentencePiece encode failed: " + status.ToString());
  }
  const auto position = [&](uint32_t byte) {
    return byte < s.byte_src.size() ? s.byte_src[byte] : s.byte_src.back() + 1;
  };
  for (const auto& p : spt.pieces()) {
    const int32_t b = position(p.begin());
    const int32_t e = p.end() > p.begin() ? s.byte_src[p.end() - 1] + 1 : b;
    const std::string& piece = p.piece();
    std::vector<char32_t> cps;
    decode_utf8(piece, cps);
    const size_t n = cps.size();
    if (options_.family == SpmFamily::kAlbert && n > 1 && cps[n - 1] == ',' &&
        is_decimal_digit(cps[n - 2])) {
      // AlbertTokenizer._tokenize: "1," style pieces are re-encoded without the comma.
      std::string sub;
      for (size_t k = 0; k + 1 < n; ++k) {
        if (cps[k] != kUnderline) append_utf8(cps[k], sub);
      }
      std::vector<std::string> cur;
      const auto sub_status = sp.Encode(absl::string_view(sub.data(), sub.size()), &cur);
      if (!sub_status.ok()) {
        throw Error(ErrorCode::kInternal, "SentencePiece encode failed: " + sub_status.ToString());
      }
      if (cps[0] != kUnderline && !cur.empty() && starts_with_underline(cur[0])) {
        if (cur[0].size() == 3) {
          cur.erase(cur.begin());
        } else {
          cur[0].erase(0, 3);
        }
      }
      const int32_t comma = e > b ? e - 1 : b;
      for (const std::string& c : cur) {
        out.push_back({to_id(sp.PieceToId(c)), b, comma, starts_with_underline(c)});
      }
      out.push_back({to_id(sp.PieceToId(",")), comma, e, false});
      continue;
    }
    out.push_back({to_id(static_cast<int>(p.id())), b, e, starts_with_underline(piece)});
  }
}

}  // namespace lightbert::tokenizer
