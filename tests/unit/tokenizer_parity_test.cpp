// tests/unit/tokenizer_parity_test.cpp: token-for-token parity with the reference tokenizer.
// Contract: every line of tests/data/tokenizer/corpus.jsonl encodes to exactly the input_ids,
// token_type_ids and tokens that Hugging Face's Python tokenizer gives (expected_<vocab>.jsonl,
// untruncated) and that its longest_first truncation at max_length 32 gives
// (expected_<vocab>_max32.jsonl), for bert-base-uncased and bert-base-chinese. The expected files
// come from tools/tokenizer_golden.py, never from lightbert. The first mismatch is printed in
// full and the test fails on any mismatch.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lightbert/tokenizer.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
namespace lt = lightbert::testing;

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> rows;
  std::istringstream in(lt::read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(json::parse(line));
  }
  return rows;
}

template <typename T>
std::string join(const std::vector<T>& v) {
  std::ostringstream ss;
  ss << "[";
  for (size_t i = 0; i < v.size(); ++i) ss << (i ? ", " : "") << v[i];
  ss << "]";
  return ss.str();
}

struct Expected {
  std::vector<int32_t> ids;
  std::vector<int32_t> types;
  std::vector<std::string> tokens;
};

// Compares one line; returns "" when equal, else a detailed report.
std::string compare(const json& input, const lightbert::Encoding& got, const Expected& want) {
  const bool equal = got.input_ids == want.ids && got.token_type_ids == want.types &&
                     got.tokens == want.tokens &&
                     got.attention_mask == std::vector<int32_t>(want.ids.size(), 1);
  if (equal) return "";
  size_t first = 0;
  while (first < got.size() && first < want.ids.size() && got.input_ids[first] == want.ids[first] &&
         got.tokens[first] == want.tokens[first]) {
    ++first;
  }
  std::ostringstream ss;
  ss << "input: " << input.dump() << "\n  first difference at token " << first
     << "\n  expected ids:    " << join(want.ids) << "\n  got ids:         " << join(got.input_ids)
     << "\n  expected types:  " << join(want.types)
     << "\n  got types:       " << join(got.token_type_ids)
     << "\n  expected tokens: " << json(want.tokens).dump()
     << "\n  got tokens:      " << json(got.tokens).dump();
  return ss.str();
}

void check_vocab(const std::string& vocab) {
  const auto tok = lightbert::Tokenizer::from_folder(lt::shared_vocab(vocab));
  const auto corpus = read_jsonl(lt::test_data("tokenizer/corpus.jsonl"));
  const auto full = read_jsonl(lt::test_data("tokenizer/expected_" + vocab + ".jsonl"));
  const auto max32 = read_jsonl(lt::test_data("tokenizer/expected_" + vocab + "_max32.jsonl"));
  ASSERT_GE(corpus.size(), 500u);
  ASSERT_EQ(full.size(), corpus.size());
  ASSERT_EQ(max32.size(), corpus.size());

  // The reference's own id -> token strings, for the truncated file (which stores ids only).
  std::map<int32_t, std::string> reference_token;
  for (const json& row : full) {
    for (size_t i = 0; i < row["input_ids"].size(); ++i) {
      reference_token[row["input_ids"][i].get<int32_t>()] = row["tokens"][i].get<std::string>();
    }
  }

  lightbert::EncodeOptions untruncated;
  untruncated.truncation = false;
  lightbert::EncodeOptions truncated;
  truncated.max_length = 32;

  size_t mismatches = 0;
  std::string first_report;
  for (size_t line = 0; line < corpus.size(); ++line) {
    const json& in = corpus[line];
    const std::string text = in["text"].get<std::string>();
    const bool is_pair = in.contains("text_pair");
    const std::string pair = is_pair ? in["text_pair"].get<std::string>() : "";
    for (int variant = 0; variant < 2; ++variant) {
      const json& row = variant == 0 ? full[line] : max32[line];
      const auto& options = variant == 0 ? untruncated : truncated;
      Expected want;
      want.ids = row["input_ids"].get<std::vector<int32_t>>();
      want.types = row["token_type_ids"].get<std::vector<int32_t>>();
      if (variant == 0) {
        want.tokens = row["tokens"].get<std::vector<std::string>>();
      } else {
        for (int32_t id : want.ids) want.tokens.push_back(reference_token.at(id));
      }
      const auto got = is_pair ? tok.encode_pair(text, pair, options) : tok.encode(text, options);
      const std::string report = compare(in, got, want);
      if (!report.empty()) {
        if (mismatches++ == 0) {
          first_report = "corpus line " + std::to_string(line + 1) +
                         (variant == 0 ? " (untruncated)" : " (max_length 32)") + ": " + report;
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << vocab << ": " << mismatches << " mismatching encodings of "
                            << 2 * corpus.size() << "; first one:\n"
                            << first_report;
}

TEST(TokenizerParity, BertBaseUncased) {
  REQUIRE_SHARED();
  check_vocab("bert-base-uncased");
}

TEST(TokenizerParity, BertBaseChinese) {
  REQUIRE_SHARED();
  check_vocab("bert-base-chinese");
}

}  // namespace
