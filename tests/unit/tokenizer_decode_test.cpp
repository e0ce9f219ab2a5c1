// tests/unit/tokenizer_decode_test.cpp: Tokenizer::decode, convert_ids_to_tokens and
// convert_tokens_to_string against Hugging Face (transformers 4.40 / tokenizers 0.19).
// Contract: every line of tests/data/tokenizers/decode_goldens.jsonl (tools/make_decode_goldens.py:
// WordPiece, byte-level BPE and SentencePiece tokenizers, real BERT vocabularies included; single
// and pair encodings, encodings cut mid-character, random ids, specials skipped or kept, clean-up
// on/off/default) gives the same text, tokens and joined string; the decoders' edge cases
// (invalid UTF-8, the byte table's inverse) and the errors are pinned separately.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "lightbert/tokenizer.h"
#include "support/test_paths.h"
#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/decoder.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

std::string folder_of(const std::string& key) {
  if (key.rfind("shared:", 0) == 0) return shared_vocab(key.substr(7));
  if (key == "tiny-bert") return test_data("tiny-bert");
  return test_data("tokenizers/" + key);
}

TEST(TokenizerDecode, MatchesHuggingFaceGoldens) {
  REQUIRE_SHARED();
  std::ifstream in(test_data("tokenizers/decode_goldens.jsonl"));
  ASSERT_TRUE(in) << "missing decode_goldens.jsonl";
  std::map<std::string, std::unique_ptr<Tokenizer>> tokenizers;
  std::map<std::string, int> checked;
  std::string line;
  int row = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++row;
    const json g = json::parse(line);
    const std::string key = g["tokenizer"];
    auto& tok = tokenizers[key];
    if (!tok) tok = std::make_unique<Tokenizer>(Tokenizer::from_folder(folder_of(key)));
    const auto ids = g["ids"].get<std::vector<int32_t>>();
    const bool skip = g["skip_special_tokens"];
    std::optional<bool> clean;
    if (!g["clean_up_tokenization_spaces"].is_null()) clean = g["clean_up_tokenization_spaces"].get<bool>();
    SCOPED_TRACE(key + " row " + std::to_string(row) + ": " + g["ids"].dump());
    EXPECT_EQ(tok->decode(ids, skip, clean), g["text"].get<std::string>());
    const auto tokens = tok->convert_ids_to_tokens(ids, skip);
    EXPECT_EQ(tokens, g["tokens"].get<std::vector<std::string>>());
    EXPECT_EQ(tok->convert_tokens_to_string(tokens), g["joined"].get<std::string>());
    ++checked[key];
  }
  // Every tokenizer model is covered, with real vocabularies among them.
  for (const char* key : {"tiny-bert", "roberta-tiny", "albert-tiny", "xlmr-tiny",
                          "shared:bert-base-uncased", "shared:bert-base-chinese"}) {
    EXPECT_GE(checked[key], 20) << key;
  }
}

TEST(TokenizerDecode, OutOfRangeIdIsATypedErrorNamingItsPosition) {
  const Tokenizer tok = Tokenizer::from_folder(test_data("tiny-bert"));
  const int32_t n = static_cast<int32_t>(tok.vocab_size());
  for (int32_t bad : {n, -1, 1 << 30}) {
    try {
      tok.decode({tok.cls_id(), bad});
      FAIL() << "no error for id " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("ids[1] = " + std::to_string(bad)), std::string::npos)
          << e.what();
    }
  }
  EXPECT_FALSE(tok.is_special_id(n));
  EXPECT_FALSE(tok.is_special_id(-1));
}

TEST(TokenizerDecode, SpecialIdsAreTheConfiguredAndAddedSpecials) {
  const Tokenizer tok = Tokenizer::from_folder(test_data("tokenizers/roberta-tiny"));
  for (int32_t id : {tok.cls_id(), tok.sep_id(), tok.pad_id(), tok.unk_id(), tok.mask_id()}) {
    EXPECT_TRUE(tok.is_special_id(id)) << id;
  }
  EXPECT_FALSE(tok.is_special_id(tok.token_to_id("hello")));
  EXPECT_EQ(tok.decode({tok.cls_id(), tok.mask_id(), tok.sep_id()}, true), "");
}

TEST(TokenizerDecode, ByteLevelTableInverts) {
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(tokenizer::char_to_byte(tokenizer::byte_to_char(static_cast<unsigned char>(b))), b);
  }
  EXPECT_EQ(tokenizer::char_to_byte(U' '), -1);  // a space is not in GPT-2's alphabet
  EXPECT_EQ(tokenizer::char_to_byte(0x100 + 68), -1);
  EXPECT_EQ(tokenizer::char_to_byte(0x65E5), -1);
}

// A byte-level word that cuts a character decodes as Python's bytes.decode("utf-8", "replace"):
// bytearray([0xE6]) -> "\ufffd"; [0xE6 0x97 0xA5 0xE6] -> "日\ufffd" (never invalid UTF-8).
TEST(TokenizerDecode, ByteLevelCutCharacterBecomesReplacement) {
  using tokenizer::decode_tokens;
  const auto k = TokenizerModelKind::kByteLevelBpe;
  // GPT-2's byte alphabet: 0xE6 is U+00E6, 0x97 is U+0139, 0xA5 is U+00A5.
  EXPECT_EQ(decode_tokens(k, {"\u00e6"}), "\ufffd");
  EXPECT_EQ(decode_tokens(k, {"\u00e6\u0139\u00a5", "\u00e6"}), "\u65e5\ufffd");
  EXPECT_EQ(decode_tokens(k, {"\u0120Paris"}), " Paris");
  EXPECT_EQ(decode_tokens(k, {"a b"}), "a b");  // outside the table: the token's own bytes
}

TEST(TokenizerDecode, Utf8LossyReplacesEachMaximalInvalidSubpart) {
  using tokenizer::utf8_lossy;
  EXPECT_EQ(utf8_lossy("a\x80"
                       "b\xE6\x9D"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(utf8_lossy("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong: two replacements
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(utf8_lossy("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(utf8_lossy(""), "");
}

TEST(TokenizerDecode, WordPieceDecoderAndCleanUp) {
  using tokenizer::clean_up_tokenization;
  using tokenizer::decode_tokens;
  const auto k = TokenizerModelKind::kWordPiece;
  EXPECT_EQ(decode_tokens(k, {"hello", ",", "world", "##s", "!"}), "hello, worlds!");
  EXPECT_EQ(decode_tokens(k, {"##ing", "do", "not"}), "##ing do not");  // per-token clean-up
  EXPECT_EQ(clean_up_tokenization("don ' t , it ' s"), "don't, it's");
  EXPECT_EQ(decode_tokens(k, {}), "");
  EXPECT_EQ(decode_tokens(TokenizerModelKind::kSentencePiece, {"\u2581Hello", "\u2581wor", "ld"}),
            "Hello world");
}

}  // namespace
}  // namespace lightbert::testing
