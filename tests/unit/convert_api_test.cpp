// tests/unit/convert_api_test.cpp: lightbert::convert (lightbert/convert.h) called as a library:
// the written file encodes like the folder (fp32, exact) and the report says so; the steps reach
// on_stage in order; in-memory calibration texts (pairs included) are what it measures on; bad
// options are lightbert::Error(kInvalidArgument) before anything is written. The transforms
// themselves are checked against PyTorch in convert_test.cpp (CLI) and
// tests/python/test_convert.py (Python).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lightbert/convert.h"
#include "lightbert/error.h"
#include "lightbert/model.h"
#include "lightbert/tokenizer.h"
#include "support/convert_cases.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

TEST(ConvertApi, PlainFp32FileEncodesLikeTheFolder) {
  const std::string dir = make_temp_dir("convert-api");
  const std::string out = dir + "/plain.lbt";
  std::vector<std::string> stages;
  ConvertOptions o;
  o.runs = 1;
  o.threads = 1;
  o.on_stage = [&](const std::string& s) { stages.push_back(s); };
  const ConvertReport r = convert(test_data("tiny-bert"), out, o);
  EXPECT_EQ(r.output, out);
  EXPECT_EQ(r.dtype, "fp32");
  EXPECT_EQ(r.layers, 2);
  EXPECT_EQ(r.heads, 8);
  EXPECT_EQ(r.max_abs_diff, 0.0);
  EXPECT_EQ(r.size_after, std::filesystem::file_size(out));
  EXPECT_EQ(r.calibration_texts, 50u);
  EXPECT_FALSE(r.task.has_value());
  const auto j = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(j["size_bytes"]["after"].get<uint64_t>(), r.size_after);
  EXPECT_EQ(j["heads"], 8);
  ASSERT_GE(stages.size(), 4u);
  EXPECT_EQ(stages.front(), "reading " + test_data("tiny-bert"));
  EXPECT_NE(stages[1].find("packing fp32 weights, writing " + out), std::string::npos);
  EXPECT_EQ(stages.back(), "done");

  ModelOptions mo;
  mo.threads = 1;
  const auto a = Model::load(test_data("tiny-bert"), mo);
  const auto b = Model::load(out, mo);
  const std::vector<TextInput> texts = {{"the quick brown fox", std::nullopt},
                                        {"a question", std::string("a context")}};
  const EmbeddingOptions eo;
  EXPECT_EQ(a->embed(texts, eo, true), b->embed(texts, eo, true));
}

TEST(ConvertApi, InMemoryCalibrationTexts) {
  const std::string dir = make_temp_dir("convert-api");
  ConvertOptions o;
  o.runs = 1;
  o.dtype = "int8";
  o.calibration_texts = {{"hello world", std::nullopt}, {"a b", std::string("c d e")}};
  const ConvertReport r = convert(test_data("tiny-bert"), dir + "/q.lbt", o);
  EXPECT_EQ(r.calibration_texts, 2u);
  const Tokenizer tok = Tokenizer::from_folder(test_data("tiny-bert"));
  EXPECT_EQ(r.calibration_tokens, tok.encode("hello world").input_ids.size() +
                                      tok.encode_pair("a b", "c d e").input_ids.size());
  EXPECT_EQ(r.dtype, "int8");
  EXPECT_LT(r.cosine_min, 1.0);
  EXPECT_GT(r.cosine_min, 0.9);
}

TEST(ConvertApi, BadOptionsAreInvalidArgumentAndWriteNothing) {
  const std::string dir = make_temp_dir("convert-api");
  const std::string out = dir + "/x.lbt";
  std::vector<std::pair<ConvertOptions, std::string>> cases;
  ConvertOptions both;
  both.prune_heads = "0:1";
  both.prune_heads_ratio = 0.5;
  cases.emplace_back(both, "not both");
  ConvertOptions ratio;
  ratio.prune_heads_ratio = -0.1;
  cases.emplace_back(ratio, "[0, 1)");
  ConvertOptions runs;
  runs.runs = 0;
  cases.emplace_back(runs, "runs");
  ConvertOptions threads;
  threads.threads = -2;
  cases.emplace_back(threads, "threads");
  ConvertOptions layers;
  layers.keep_layers = {1, 1};
  cases.emplace_back(layers, "increasing");
  expect_invalid_convert_options(cases, out);
  EXPECT_THROW(parse_layer_list("1,x"), Error);
  EXPECT_EQ(parse_layer_list("0,2"), (std::vector<int>{0, 2}));
}

}  // namespace
}  // namespace lightbert::testing
