// tests/unit/tokenizer_offsets_test.cpp: offsets, word ids and sequence ids.
// Contract: there is no reference output for offsets, so (1) over the whole parity corpus every
// token's [begin, end) lies inside its own text, offsets never go backwards, template tokens are
// (0, 0) with sequence/word id -1, and the slice of the original text, normalized independently
// here (utf8proc NFD + per-code-point lowercase and Mn removal, controls dropped), spells the
// token without its "##" (or is non-empty for [UNK]); (2) hand-written cases follow Hugging Face's
// documented offset_mapping / word_ids examples.
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lightbert/tokenizer.h"
#include "support/test_paths.h"

namespace {

using lightbert::Encoding;
using lightbert::Tokenizer;
using nlohmann::json;
namespace lt = lightbert::testing;
using Offsets = std::vector<std::pair<int32_t, int32_t>>;

std::u32string to_u32(const std::string& s) {
  std::u32string out;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t i = 0;
  const auto n = static_cast<utf8proc_ssize_t>(s.size());
  while (i < n) {
    utf8proc_int32_t c;
    const utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &c);
    if (len <= 0) throw std::runtime_error("bad UTF-8 in test input");
    out.push_back(static_cast<char32_t>(c));
    i += len;
  }
  return out;
}

std::string to_utf8(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
    utf8proc_uint8_t buf[4];
    const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
  }
  return out;
}

// An independent spelling of what a slice of the input becomes: controls (and U+FFFD) dropped,
// then (lowercase) simple lowercase of each code point, utf8proc's own NFD of the result and
// removal of Mn marks. Final sigma is folded to sigma on both sides by the caller.
std::u32string normalize_slice(const std::u32string& slice, bool lowercase) {
  std::u32string kept;
  for (char32_t c : slice) {
    const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    const bool control =
        cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CO;
    if (c == 0xFFFD || (control && c != '\t' && c != '\n' && c != '\r')) continue;
    kept.push_back(lowercase ? static_cast<char32_t>(utf8proc_tolower(static_cast<int32_t>(c)))
                             : c);
  }
  if (!lowercase) return kept;
  utf8proc_uint8_t* nfd =
      utf8proc_NFD(reinterpret_cast<const utf8proc_uint8_t*>(to_utf8(kept).c_str()));
  std::u32string decomposed = to_u32(reinterpret_cast<const char*>(nfd));
  free(nfd);
  std::u32string out;
  for (char32_t c : decomposed) {
    if (utf8proc_category(static_cast<int32_t>(c)) != UTF8PROC_CATEGORY_MN) out.push_back(c);
  }
  return out;
}

std::u32string fold_sigma(std::u32string s) {
  for (char32_t& c : s) {
    if (c == 0x03C2) c = 0x03C3;
  }
  return s;
}

// Checks the offset properties of one sequence (seq 0 or 1) of an encoding. Pieces made from
// the same input character (a Hangul syllable decomposed into jamo by NFD, an accented letter
// split by WordPiece) share its span, as in Hugging Face; such a piece's normalized slice must
// contain the piece, any other piece's slice must spell it exactly.
void check_sequence(const Tokenizer& tok, const Encoding& e, int seq, const std::string& text,
                    const std::string& where) {
  const std::u32string cps = to_u32(text);
  const bool lowercase = tok.config().do_lower_case;
  std::vector<size_t> idx;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.sequence_ids[i] == seq) idx.push_back(i);
  }
  for (size_t k = 0; k < idx.size(); ++k) {
    const size_t i = idx[k];
    const auto [begin, end] = e.offsets[i];
    const std::string at = where + " token " + std::to_string(i) + " '" + e.tokens[i] + "'";
    ASSERT_LE(0, begin) << at;
    ASSERT_LT(begin, end) << at;
    ASSERT_LE(static_cast<size_t>(end), cps.size()) << at;
    bool shared = false;
    if (k > 0) {
      const auto [pb, pe] = e.offsets[idx[k - 1]];
      ASSERT_LE(pb, begin) << at << ": offsets go backwards";
      ASSERT_LE(pe, end) << at << ": offsets go backwards";
      ASSERT_LE(e.word_ids[idx[k - 1]], e.word_ids[i]) << at;
      if (pe > begin) {
        ASSERT_EQ(pe, begin + 1) << at << ": overlaps more than one shared character";
        shared = true;
      }
    }
    if (k + 1 < idx.size() && e.offsets[idx[k + 1]].first < end) shared = true;
    const std::u32string slice = cps.substr(begin, end - begin);
    const std::u32string norm = fold_sigma(normalize_slice(slice, lowercase));
    if (e.input_ids[i] == tok.unk_id()) {
      EXPECT_FALSE(norm.empty()) << at;
      continue;
    }
    std::string token = e.tokens[i];
    const bool added = token.size() > 2 && token.front() == '[' && token.back() == ']';
    if (added) {
      EXPECT_EQ(to_utf8(slice), token) << at;  // written in the text as is
      continue;
    }
    if (token.rfind("##", 0) == 0) token = token.substr(2);
    const std::string want = to_utf8(fold_sigma(to_u32(token)));
    if (shared) {
      EXPECT_NE(to_utf8(norm).find(want), std::string::npos) << at;
    } else {
      EXPECT_EQ(to_utf8(norm), want) << at;
    }
  }
}

void check_template_tokens(const Encoding& e, const std::string& where) {
  ASSERT_EQ(e.offsets.size(), e.size());
  ASSERT_EQ(e.sequence_ids.size(), e.size());
  ASSERT_EQ(e.word_ids.size(), e.size());
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.sequence_ids[i] < 0) {
      EXPECT_EQ(e.offsets[i], std::make_pair(0, 0)) << where;
      EXPECT_EQ(e.word_ids[i], -1) << where;
    } else {
      EXPECT_EQ(e.token_type_ids[i], e.sequence_ids[i]) << where;
    }
  }
}

class TokenizerOffsets : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerOffsets, PropertiesHoldOverTheCorpus) {
  REQUIRE_SHARED();
  const auto tok = Tokenizer::from_folder(lt::shared_vocab(GetParam()));
  std::istringstream in(lt::read_file(lt::test_data("tokenizer/corpus.jsonl")));
  std::string line;
  lightbert::EncodeOptions untruncated;
  untruncated.truncation = false;
  size_t checked = 0;
  for (int n = 1; std::getline(in, line); ++n) {
    const json row = json::parse(line);
    const std::string text = row["text"];
    const std::string where = GetParam() + " corpus line " + std::to_string(n);
    if (row.contains("text_pair")) {
      const std::string pair = row["text_pair"];
      const Encoding e = tok.encode_pair(text, pair, untruncated);
      check_template_tokens(e, where);
      check_sequence(tok, e, 0, text, where);
      check_sequence(tok, e, 1, pair, where);
    } else {
      const Encoding e = tok.encode(text, untruncated);
      check_template_tokens(e, where);
      check_sequence(tok, e, 0, text, where);
    }
    if (HasFatalFailure()) return;
    ++checked;
  }
  EXPECT_GE(checked, 500u);
}

INSTANTIATE_TEST_SUITE_P(SharedVocabularies, TokenizerOffsets,
                         ::testing::Values("bert-base-uncased", "bert-base-chinese"));

Tokenizer uncased() {
  return Tokenizer::from_folder(lt::shared_vocab("bert-base-uncased"));
}

// Hugging Face docs (Preprocessing / offset_mapping): "Hello world" ->
// [(0, 0), (0, 5), (6, 11), (0, 0)].
TEST(TokenizerOffsetsHandWritten, HelloWorld) {
  REQUIRE_SHARED();
  const Encoding e = uncased().encode("Hello world");
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 5}, {6, 11}, {0, 0}}));
  EXPECT_EQ(e.word_ids, (std::vector<int32_t>{-1, 0, 1, -1}));
  EXPECT_EQ(e.sequence_ids, (std::vector<int32_t>{-1, 0, 0, -1}));
}

// tokenizers quicktour: in "Hello, y'all! How are you 😁 ?" the emoji is [UNK] at (26, 27).
TEST(TokenizerOffsetsHandWritten, QuicktourEmoji) {
  REQUIRE_SHARED();
  const Encoding e = uncased().encode("Hello, y'all! How are you 😁 ?");
  ASSERT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "hello", ",", "y", "'", "all", "!", "how",
                                                "are", "you", "[UNK]", "?", "[SEP]"}));
  EXPECT_EQ(e.offsets[10], std::make_pair(26, 27));
  EXPECT_EQ(e.offsets[2], std::make_pair(5, 6));
  EXPECT_EQ(e.offsets[11], std::make_pair(28, 29));
}

// HF course, "Fast tokenizers' special powers": the word "Sylvain" (word 3) spans characters
// 11..18 and its pieces share word id 3; "." is word 12.
TEST(TokenizerOffsetsHandWritten, SubwordPiecesOfAWord) {
  REQUIRE_SHARED();
  const Encoding e = uncased().encode("My name is Sylvain and I work at Hugging Face in Brooklyn.");
  ASSERT_EQ(e.tokens[4], "sy");
  EXPECT_EQ(e.offsets[4], std::make_pair(11, 13));
  EXPECT_EQ(e.offsets[5], std::make_pair(13, 16));  // ##lva
  EXPECT_EQ(e.offsets[6], std::make_pair(16, 18));  // ##in
  EXPECT_EQ((std::vector<int32_t>(e.word_ids.begin() + 4, e.word_ids.begin() + 7)),
            (std::vector<int32_t>{3, 3, 3}));
  EXPECT_EQ(e.word_ids[e.size() - 2], 12);
}

// Accents stripped and lower-cased characters map back to their original span.
TEST(TokenizerOffsetsHandWritten, NormalizedCharactersMapBack) {
  REQUIRE_SHARED();
  const auto tok = uncased();
  Encoding e = tok.encode("Naïve CAFÉ");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "naive", "cafe", "[SEP]"}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 5}, {6, 10}, {0, 0}}));
  // Hugging Face tokenizers lower-cases per code point: a word-final capital sigma becomes
  // small sigma (not final sigma as Python's str.lower or JavaScript would): ο ##δ ##ο ##σ.
  e = tok.encode("ΟΔΟΣ");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "ο", "##δ", "##ο", "##σ", "[SEP]"}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 0}}));
  // Decomposed input: a removed mark is its own input character and belongs to no token.
  e = tok.encode("e\u0301t\u0301e\u0301");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "et", "##e", "[SEP]"}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 3}, {4, 5}, {0, 0}}));
  // NFD turns one Hangul syllable into jamo pieces that all map to the syllable.
  e = tok.encode("한");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "ᄒ", "##ᅡ", "##ᆫ", "[SEP]"}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 1}, {0, 1}, {0, 1}, {0, 0}}));
  e = tok.encode("İstanbul");  // U+0130 lowercases to two code points
  EXPECT_EQ(e.tokens[1], "istanbul");
  EXPECT_EQ(e.offsets[1], std::make_pair(0, 8));
}

// Removed characters leave gaps; CJK ideographs and punctuation are words of their own.
TEST(TokenizerOffsetsHandWritten, RemovedAndIsolatedCharacters) {
  REQUIRE_SHARED();
  const auto tok = uncased();
  Encoding e = tok.encode("a\u200bb");
  EXPECT_EQ(e.tokens[1], "ab");
  EXPECT_EQ(e.offsets[1], std::make_pair(0, 3));
  e = tok.encode("\u200b\u00adhi!");
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {2, 4}, {4, 5}, {0, 0}}));
  e = tok.encode("x中文y");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "x", "中", "文", "y", "[SEP]"}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 0}}));
  EXPECT_EQ(e.word_ids, (std::vector<int32_t>{-1, 0, 1, 2, 3, -1}));
  e = tok.encode("👩‍👩‍👧 ok");  // ZWJ (Cf) removed, the emoji word is one [UNK]
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "[UNK]", "ok", "[SEP]"}));
  EXPECT_EQ(e.offsets[1], std::make_pair(0, 5));
  e = tok.encode(std::string(101, 'x') + " y");  // too long for WordPiece: one [UNK]
  EXPECT_EQ(e.offsets[1], std::make_pair(0, 101));
  EXPECT_EQ(e.offsets[2], std::make_pair(102, 103));
}

// Special tokens written in the text keep their position (only template tokens are (0, 0)).
TEST(TokenizerOffsetsHandWritten, SpecialTokensInText) {
  REQUIRE_SHARED();
  const Encoding e = uncased().encode("x[MASK]y [SEP]");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "x", "[MASK]", "y", "[SEP]", "[SEP]"}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 1}, {1, 7}, {7, 8}, {9, 14}, {0, 0}}));
  EXPECT_EQ(e.word_ids, (std::vector<int32_t>{-1, 0, 1, 2, 3, -1}));
  EXPECT_EQ(e.sequence_ids, (std::vector<int32_t>{-1, 0, 0, 0, 0, -1}));
}

// Pairs: offsets are relative to each text; word ids restart at 0 in the second text; truncation
// keeps the offsets of the kept tokens.
TEST(TokenizerOffsetsHandWritten, PairsAndTruncation) {
  REQUIRE_SHARED();
  const auto tok = uncased();
  Encoding e = tok.encode_pair("Hello world", "Good morning");
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 5}, {6, 11}, {0, 0}, {0, 4}, {5, 12}, {0, 0}}));
  EXPECT_EQ(e.sequence_ids, (std::vector<int32_t>{-1, 0, 0, -1, 1, 1, -1}));
  EXPECT_EQ(e.word_ids, (std::vector<int32_t>{-1, 0, 1, -1, 0, 1, -1}));
  EXPECT_EQ(e.token_type_ids, (std::vector<int32_t>{0, 0, 0, 0, 1, 1, 1}));
  lightbert::EncodeOptions o;
  o.max_length = 6;
  e = tok.encode_pair("one two three", "four five six", o);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "one", "[SEP]", "four", "five", "[SEP]"}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 3}, {0, 0}, {0, 4}, {5, 9}, {0, 0}}));
}

}  // namespace
