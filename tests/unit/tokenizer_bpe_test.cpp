// tests/unit/tokenizer_bpe_test.cpp: the byte-level BPE (RoBERTa) tokenizer against
// Hugging Face's Python tokenizer. Contract: every line of tests/data/tokenizer/corpus.jsonl,
// encoded with tests/data/tokenizers/roberta-tiny (tools/train_bpe_tiny.py), gives exactly the
// reference input_ids (RobertaTokenizerFast, tools/tokenizer_bpe_golden.py), type ids 0
// (RobertaProcessing), the tokens of vocab.json (read here with nlohmann, not with lightbert),
// the reference offsets, and Hugging Face's longest_first cut at max_length 32; from
// tokenizer.json and from the slow vocab.json + merges.txt layout alike; the ids with
// add_prefix_space true (expected_roberta-tiny-prefix.jsonl). Also: special token ids,
// sequence / word ids, and the errors of unsupported or malformed files.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "lightbert/tokenizer.h"
#include "support/test_paths.h"

namespace {

using lightbert::Error;
using lightbert::ErrorCode;
using lightbert::Tokenizer;
using nlohmann::json;
namespace lt = lightbert::testing;

const std::string kName = "roberta-tiny";

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> rows;
  std::istringstream in(lt::read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(json::parse(line));
  }
  return rows;
}

std::string folder() {
  return lt::test_data("tokenizers/" + kName);
}

// The slow layout: the same folder without tokenizer.json.
std::string slow_folder() {
  const std::string dir = lt::make_temp_dir("tok-roberta-slow");
  for (const char* f :
       {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    lt::write_file(dir + "/" + f, lt::read_file(folder() + "/" + f));
  }
  return dir;
}

std::string pairs(const lightbert::Encoding& e) {
  std::ostringstream ss;
  for (size_t i = 0; i < e.size(); ++i) {
    ss << (i ? " " : "") << e.input_ids[i] << "@" << e.offsets[i].first << "-"
       << e.offsets[i].second;
  }
  return ss.str();
}

void check_parity(const Tokenizer& tok, bool check_offsets) {
  const auto corpus = read_jsonl(lt::test_data("tokenizer/corpus.jsonl"));
  const auto full = read_jsonl(lt::test_data("tokenizers/expected_" + kName + ".jsonl"));
  const auto max32 = read_jsonl(lt::test_data("tokenizers/expected_" + kName + "_max32.jsonl"));
  ASSERT_GE(corpus.size(), 500u);
  ASSERT_EQ(full.size(), corpus.size());
  ASSERT_EQ(max32.size(), corpus.size());
  std::map<int32_t, std::string> vocab;
  const json vocab_json = json::parse(lt::read_file(folder() + "/vocab.json"));
  for (const auto& [token, id] : vocab_json.items()) vocab[id.get<int32_t>()] = token;
  lightbert::EncodeOptions untruncated;
  untruncated.truncation = false;
  lightbert::EncodeOptions truncated;
  truncated.max_length = 32;
  size_t id_mismatches = 0, offset_mismatches = 0, cut_mismatches = 0, other = 0;
  std::string first;
  for (size_t line = 0; line < corpus.size(); ++line) {
    const json& in = corpus[line];
    const std::string text = in["text"].get<std::string>();
    const bool is_pair = in.contains("text_pair");
    const std::string pair = is_pair ? in["text_pair"].get<std::string>() : "";
    const auto got =
        is_pair ? tok.encode_pair(text, pair, untruncated) : tok.encode(text, untruncated);
    const auto want_ids = full[line]["input_ids"].get<std::vector<int32_t>>();
    const auto flat = full[line]["offsets"].get<std::vector<int32_t>>();
    std::vector<std::pair<int32_t, int32_t>> want_offsets;
    for (size_t k = 0; k + 1 < flat.size(); k += 2) want_offsets.emplace_back(flat[k], flat[k + 1]);
    const auto note = [&](size_t& counter, const std::string& what, const std::string& detail) {
      if (counter++ == 0 && first.empty()) {
        first = "corpus line " + std::to_string(line + 1) + " " + what + ": " + in.dump() + "\n" +
                detail;
      }
    };
    if (got.input_ids != want_ids) {
      std::ostringstream d;
      d << "  expected " << json(want_ids).dump() << "\n  got      " << json(got.input_ids).dump();
      note(id_mismatches, "ids", d.str());
      continue;
    }
    bool ok = got.token_type_ids == std::vector<int32_t>(want_ids.size(), 0) &&
              got.attention_mask == std::vector<int32_t>(want_ids.size(), 1);
    for (size_t k = 0; ok && k < got.size(); ++k) ok = got.tokens[k] == vocab.at(got.input_ids[k]);
    if (!ok) note(other, "types/tokens/mask", "");
    if (check_offsets && got.offsets != want_offsets) {
      std::ostringstream d;
      d << "  expected offsets " << json(want_offsets).dump() << "\n  got " << pairs(got);
      note(offset_mismatches, "offsets", d.str());
    }
    const auto cut = is_pair ? tok.encode_pair(text, pair, truncated) : tok.encode(text, truncated);
    if (cut.input_ids != max32[line]["input_ids"].get<std::vector<int32_t>>()) {
      note(cut_mismatches, "max_length 32", "  got " + json(cut.input_ids).dump());
    }
  }
  EXPECT_EQ(id_mismatches + offset_mismatches + cut_mismatches + other, 0u)
      << id_mismatches << " id, " << offset_mismatches << " offset, " << cut_mismatches
      << " truncation and " << other << " other mismatches over " << corpus.size()
      << " lines; first:\n"
      << first;
}

TEST(TokenizerBpe, ParityTokenizerJson) {
  check_parity(Tokenizer::from_folder(folder()), /*check_offsets=*/true);
}

TEST(TokenizerBpe, ParitySlowLayout) {
  check_parity(Tokenizer::from_folder(slow_folder()), /*check_offsets=*/true);
}

// add_prefix_space true (pre-tokenizer, post-processor, tokenizer_config.json), as the golden
// script's prefix_folder() writes it: ids against Hugging Face for both layouts, every line
// (U+FEFF / U+0085 included: Oniguruma's \s, as in tokenizers' GPT-2 split).
TEST(TokenizerBpe, PrefixSpaceParity) {
  const std::string dir = lt::make_temp_dir("tok-roberta-prefix");
  for (const char* f : {"vocab.json", "merges.txt", "special_tokens_map.json"}) {
    lt::write_file(dir + "/" + f, lt::read_file(folder() + "/" + f));
  }
  json tj = json::parse(lt::read_file(folder() + "/tokenizer.json"));
  tj["pre_tokenizer"]["add_prefix_space"] = true;
  tj["post_processor"]["add_prefix_space"] = true;
  json cfg = json::parse(lt::read_file(folder() + "/tokenizer_config.json"));
  cfg["add_prefix_space"] = true;
  lt::write_file(dir + "/tokenizer_config.json", cfg.dump());
  const auto slow = Tokenizer::from_folder(dir);
  lt::write_file(dir + "/tokenizer.json", tj.dump());
  const auto fast = Tokenizer::from_folder(dir);
  const auto corpus = read_jsonl(lt::test_data("tokenizer/corpus.jsonl"));
  const auto want = read_jsonl(lt::test_data("tokenizers/expected_" + kName + "-prefix.jsonl"));
  ASSERT_EQ(want.size(), corpus.size());
  lightbert::EncodeOptions untruncated;
  untruncated.truncation = false;
  size_t mismatches = 0;
  std::string first;
  for (size_t line = 0; line < corpus.size(); ++line) {
    const json& in = corpus[line];
    const auto ids = want[line]["input_ids"].get<std::vector<int32_t>>();
    for (const Tokenizer* tok : {&fast, &slow}) {
      const auto got = in.contains("text_pair")
                           ? tok->encode_pair(in["text"].get<std::string>(),
                                              in["text_pair"].get<std::string>(), untruncated)
                           : tok->encode(in["text"].get<std::string>(), untruncated);
      if (got.input_ids != ids && mismatches++ == 0) {
        first = in.dump() + "\n  expected " + json(ids).dump() + "\n  got      " +
                json(got.input_ids).dump();
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << first;
  // The prefix space belongs to the first word: not trimmed from the first token's offsets.
  const auto e = fast.encode("Hello");
  ASSERT_GE(e.size(), 3u);
  EXPECT_EQ(e.offsets[1].first, 0);
}

TEST(TokenizerBpe, SpecialTokens) {
  for (const std::string& dir : {folder(), slow_folder()}) {
    const auto tok = Tokenizer::from_folder(dir);
    EXPECT_EQ(tok.cls_id(), 0);
    EXPECT_EQ(tok.pad_id(), 1);
    EXPECT_EQ(tok.sep_id(), 2);
    EXPECT_EQ(tok.unk_id(), 3);
    EXPECT_EQ(tok.mask_id(), static_cast<int32_t>(tok.vocab_size()) - 1);
    EXPECT_EQ(tok.config().cls_token, "<s>");
    EXPECT_EQ(tok.config().sep_token, "</s>");
    EXPECT_EQ(tok.config().mask_token, "<mask>");
    EXPECT_EQ(tok.config().model_max_length, 512);
    EXPECT_FALSE(tok.config().do_lower_case);
    // <mask> strips the space on its left (lstrip) and keeps it in its offsets.
    const auto e = tok.encode("a <mask>.");
    ASSERT_EQ(e.size(), 5u) << pairs(e);
    EXPECT_EQ(e.input_ids[2], tok.mask_id());
    EXPECT_EQ(e.offsets[2], std::make_pair(1, 8));
    EXPECT_EQ(e.offsets[1], std::make_pair(0, 1));
  }
}

TEST(TokenizerBpe, SequenceAndWordIds) {
  const auto tok = Tokenizer::from_folder(folder());
  const auto e = tok.encode_pair("Hello world", "a b");
  ASSERT_GE(e.size(), 8u);
  // <s> A </s> </s> B </s>
  EXPECT_EQ(e.input_ids.front(), tok.cls_id());
  EXPECT_EQ(e.input_ids.back(), tok.sep_id());
  EXPECT_EQ(e.sequence_ids.front(), -1);
  EXPECT_EQ(e.sequence_ids.back(), -1);
  EXPECT_EQ(e.word_ids.front(), -1);
  size_t seps = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.input_ids[i] == tok.sep_id()) {
      ++seps;
      EXPECT_EQ(e.sequence_ids[i], -1);
    }
  }
  EXPECT_EQ(seps, 3u);
  EXPECT_EQ(e.sequence_ids[1], 0);
  EXPECT_EQ(e.sequence_ids[e.size() - 2], 1);
  // "Hello" is several pieces of word 0; " world" is word 1.
  EXPECT_EQ(e.word_ids[1], 0);
  std::vector<int32_t> words_a;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.sequence_ids[i] == 0) words_a.push_back(e.word_ids[i]);
  }
  EXPECT_EQ(words_a.back(), 1);
  // Truncation keeps the template: 2 text tokens + 4 specials.
  lightbert::EncodeOptions options;
  options.max_length = 6;
  EXPECT_EQ(tok.encode_pair("Hello world", "a b", options).size(), 6u);
}

TEST(TokenizerBpe, UnsupportedAndMalformedFiles) {
  const json base = json::parse(lt::read_file(folder() + "/tokenizer.json"));
  const auto expect_error = [&](const json& tokenizer_json, ErrorCode code,
                                const std::string& field) {
    const std::string dir = lt::make_temp_dir("tok-bpe-bad");
    lt::write_file(dir + "/tokenizer.json", tokenizer_json.dump());
    try {
      Tokenizer::from_folder(dir);
      ADD_FAILURE() << "no error for " << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  json unigram = base;
  unigram["model"] = {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", json::array()}};
  expect_error(unigram, ErrorCode::kUnsupported, "model.type");
  json fallback = base;
  fallback["model"]["byte_fallback"] = true;
  expect_error(fallback, ErrorCode::kUnsupported, "model.byte_fallback");
  json normalizer = base;
  normalizer["normalizer"] = {{"type", "NFC"}};
  expect_error(normalizer, ErrorCode::kUnsupported, "normalizer");
  json bad_merge = base;
  bad_merge["model"]["merges"].push_back("nosuchtoken x");
  expect_error(bad_merge, ErrorCode::kFormat, "merges[");

  const std::string dir = slow_folder();
  lt::write_file(dir + "/merges.txt", "#version: 0.2\nĠ a\nthree parts here\n");
  try {
    Tokenizer::from_folder(dir);
    ADD_FAILURE() << "no error for a bad merges.txt line";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("merges.txt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

}  // namespace
