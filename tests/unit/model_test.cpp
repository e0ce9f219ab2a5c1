// tests/unit/model_test.cpp: the Model facade (lightbert/model.h) through the C++ API: embeddings
// against the PyTorch float64 golden (tools/make_cli_golden.py), max length rules, and the
// sentence-transformers configuration errors (each names its file and field).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "lightbert/model.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

const std::string kModel = test_data("tiny-bert");

std::vector<json> lines_of(const std::string& path) {
  std::vector<json> out;
  std::istringstream ss(read_file(path));
  for (std::string l; std::getline(ss, l);) {
    if (!l.empty()) out.push_back(json::parse(l));
  }
  return out;
}

std::vector<TextInput> golden_inputs() {
  std::vector<TextInput> in;
  for (const json& j : lines_of(test_data("tiny-bert/golden/cli_inputs.jsonl"))) {
    TextInput t;
    t.text = j["text"].get<std::string>();
    if (j.contains("text_pair")) t.text_pair = j["text_pair"].get<std::string>();
    in.push_back(t);
  }
  return in;
}

// A copy of tiny-bert plus the given extra files, in a fresh folder.
std::string st_folder(const std::vector<std::pair<std::string, std::string>>& files) {
  const std::string dir = make_temp_dir("model");
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"}) {
    write_file(dir + "/" + f, read_file(kModel + "/" + f));
  }
  for (const auto& [name, content] : files) {
    if (auto slash = name.rfind('/'); slash != std::string::npos) {
      std::system(("mkdir -p " + dir + "/" + name.substr(0, slash)).c_str());
    }
    write_file(dir + "/" + name, content);
  }
  return dir;
}

const char* kModules =
    R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
        {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])";

TEST(Model, EmbedMatchesReferenceForEveryPooling) {
  auto model = Model::load(kModel);
  EXPECT_FALSE(model->is_sentence_transformer());
  EXPECT_EQ(model->max_length(), 128);
  const auto inputs = golden_inputs();
  const auto want = lines_of(test_data("tiny-bert/golden/cli_expected.jsonl"));
  for (Pooling p : {Pooling::kMean, Pooling::kCls, Pooling::kMax}) {
    for (bool normalize : {false, true}) {
      EmbeddingOptions o;
      o.pooling = p;
      o.normalize = normalize;
      auto got = model->embed(inputs, o, /*truncate=*/true);
      ASSERT_EQ(got.size(), want.size());
      const std::string key =
          std::string("embed_") + pooling_name(p) + (normalize ? "_normalized" : "");
      for (size_t i = 0; i < got.size(); ++i) {
        const auto& w = want[i][key];
        ASSERT_EQ(got[i].size(), w.size());
        for (size_t j = 0; j < w.size(); ++j) {
          EXPECT_NEAR(got[i][j], w[j].get<double>(), 1e-4) << key << " input " << i;
        }
      }
    }
  }
}

TEST(Model, EncodeReturnsTokenizationsAndRefusesTooLongInputs) {
  auto model = Model::load(kModel);
  const auto inputs = golden_inputs();
  EncoderOutput out;
  std::vector<Encoding> enc;
  model->encode({inputs[0], inputs[3]}, false, out, &enc);
  ASSERT_EQ(enc.size(), 2u);
  EXPECT_EQ(out.row_offsets.back(), static_cast<int32_t>(enc[0].size() + enc[1].size()));
  try {
    model->encode({inputs[0], inputs[8]}, false, out);
    FAIL() << "expected kOutOfRange";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    EXPECT_NE(std::string(e.what()).find("input 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(model->encode({}, true, out), Error);
}

TEST(Model, SentenceTransformersSettings) {
  const std::string dir = st_folder(
      {{"modules.json",
        std::string(kModules).substr(0, std::string(kModules).size() - 1) +
            R"(,{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}])"},
       {"1_Pooling/config.json", R"({"pooling_mode_max_tokens": true})"},
       {"sentence_bert_config.json", R"({"max_seq_length": 40})"}});
  auto model = Model::load(dir);
  EXPECT_TRUE(model->is_sentence_transformer());
  EXPECT_EQ(model->default_embedding().pooling, Pooling::kMax);
  EXPECT_TRUE(model->default_embedding().normalize);
  EXPECT_EQ(model->max_length(), 40);
  std::system(("rm -rf " + dir).c_str());
}

void expect_load_error(const std::vector<std::pair<std::string, std::string>>& files,
                       ErrorCode code, const std::string& needle) {
  const std::string dir = st_folder(files);
  try {
    Model::load(dir);
    ADD_FAILURE() << "expected an error mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST(Model, SentenceTransformersErrorsNameFileAndField) {
  expect_load_error({{"modules.json", "{not json"}}, ErrorCode::kFormat, "modules.json");
  expect_load_error({{"modules.json", R"({"a": 1})"}}, ErrorCode::kFormat, "modules.json");
  expect_load_error({{"modules.json", R"([{"idx":0}])"}}, ErrorCode::kFormat, "'type'");
  expect_load_error(
      {{"modules.json", R"([{"type":"sentence_transformers.models.Dense","path":"2_Dense"}])"}},
      ErrorCode::kUnsupported, "Dense");
  expect_load_error({{"modules.json", kModules}}, ErrorCode::kIo, "1_Pooling/config.json");
  expect_load_error({{"modules.json", kModules},
                     {"1_Pooling/config.json", R"({"pooling_mode_mean_sqrt_len_tokens": true})"}},
                    ErrorCode::kUnsupported, "pooling_mode_mean_sqrt_len_tokens");
  expect_load_error({{"modules.json", kModules},
                     {"1_Pooling/config.json",
                      R"({"pooling_mode_mean_tokens": true, "pooling_mode_cls_token": true})"}},
                    ErrorCode::kUnsupported, "exactly one");
  expect_load_error({{"modules.json", kModules},
                     {"1_Pooling/config.json", R"({"pooling_mode_mean_tokens": "yes"})"}},
                    ErrorCode::kFormat, "pooling_mode_mean_tokens");
  expect_load_error(
      {{"sentence_bert_config.json", R"({"max_seq_length": -3})"}, {"modules.json", "[]"}},
      ErrorCode::kFormat, "max_seq_length");
}

TEST(Model, ParsePooling) {
  EXPECT_EQ(parse_pooling("cls"), Pooling::kCls);
  EXPECT_THROW(parse_pooling("avg"), Error);
}

}  // namespace
}  // namespace lightbert::testing
