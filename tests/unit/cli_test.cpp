// tests/unit/cli_test.cpp: the lightbert CLI end to end, as a user runs it, against golden
// outputs from the independent references (Hugging Face's ids, PyTorch float64 hidden states
// and embeddings; tools/make_cli_golden.py), plus every error path: exit code != 0, one line
// on stderr naming the file, field or input line, never a crash or a hang.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/kernels.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

const std::string kModel = test_data("tiny-bert");

std::vector<std::string> input_lines() {
  std::vector<std::string> lines;
  std::istringstream ss(read_file(test_data("tiny-bert/golden/cli_inputs.jsonl")));
  for (std::string l; std::getline(ss, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  return lines;
}

std::vector<json> expected() {
  std::vector<json> out;
  std::istringstream ss(read_file(test_data("tiny-bert/golden/cli_expected.jsonl")));
  for (std::string l; std::getline(ss, l);) {
    if (!l.empty()) out.push_back(json::parse(l));
  }
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

double max_abs_diff(const json& a, const json& b) {
  if (a.is_array()) {
    EXPECT_TRUE(b.is_array());
    EXPECT_EQ(a.size(), b.size());
    double m = 0;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
      m = std::max(m, max_abs_diff(a[i], b[i]));
    return m;
  }
  return std::fabs(a.get<double>() - b.get<double>());
}

// Exit code 1 and exactly one line on stderr that contains `needle`.
void expect_one_line_error(const CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
}

TEST(Cli, TokenizeMatchesTransformersJs) {
  const auto want = expected();
  const auto lines = input_lines();
  CliResult r = run_cli("tokenize --model " + kModel + " --max-length 128", join(lines));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = r.out_lines();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    json g = json::parse(got[i]);
    EXPECT_EQ(g["input_ids"], want[i]["truncated"]["input_ids"]) << "line " << i + 1;
    EXPECT_EQ(g["token_type_ids"], want[i]["truncated"]["token_type_ids"]) << "line " << i + 1;
    EXPECT_EQ(g["tokens"].size(), g["input_ids"].size());
    EXPECT_EQ(g["offsets"].size(), g["input_ids"].size());
  }
}

TEST(Cli, HiddenFromTextMatchesPyTorch) {
  const auto want = expected();
  CliResult r = run_cli("hidden --truncate --batch-size 3 --model " + kModel, join(input_lines()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = r.out_lines();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    json g = json::parse(got[i]);
    EXPECT_LE(max_abs_diff(g["last_hidden_state"], want[i]["last_hidden_state"]), 1e-4)
        << "line " << i + 1;
    EXPECT_LE(max_abs_diff(g["pooler_output"], want[i]["pooler_output"]), 1e-4) << "line " << i + 1;
  }
}

TEST(Cli, HiddenFromIdsMatchesPyTorch) {
  const auto want = expected();
  std::string in;
  for (const auto& w : want) {
    in += json({{"input_ids", w["truncated"]["input_ids"]},
                {"token_type_ids", w["truncated"]["token_type_ids"]}})
              .dump() +
          "\n";
  }
  CliResult r = run_cli("hidden --model " + kModel, in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = r.out_lines();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    json g = json::parse(got[i]);
    EXPECT_LE(max_abs_diff(g["last_hidden_state"], want[i]["last_hidden_state"]), 1e-4)
        << "line " << i + 1;
  }
}

TEST(Cli, EmbedEveryPoolingMatchesReference) {
  const auto want = expected();
  for (std::string pooling : {"mean", "cls", "max"}) {
    for (bool normalize : {false, true}) {
      CliResult r = run_cli("embed --truncate --batch-size 4 --model " + kModel + " --pooling " +
                                pooling + (normalize ? " --normalize" : ""),
                            join(input_lines()));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const auto got = r.out_lines();
      ASSERT_EQ(got.size(), want.size());
      const std::string key = "embed_" + pooling + (normalize ? "_normalized" : "");
      for (size_t i = 0; i < got.size(); ++i) {
        json g = json::parse(got[i]);
        EXPECT_LE(max_abs_diff(g["embedding"], want[i][key]), 1e-4) << key << " line " << i + 1;
      }
    }
  }
}

TEST(Cli, EmbedSentenceTransformersFolderDefaults) {
  // A sentence-transformers folder: CLS pooling + Normalize from its own files.
  const std::string dir = make_temp_dir("st");
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"}) {
    write_file(dir + "/" + f, read_file(kModel + "/" + f));
  }
  write_file(
      dir + "/modules.json",
      R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},)"
      R"({"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},)"
      R"({"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}])");
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/1_Pooling").c_str()), 0);
  write_file(
      dir + "/1_Pooling/config.json",
      R"({"word_embedding_dimension":32,"pooling_mode_cls_token":true,"pooling_mode_mean_tokens":false,)"
      R"("pooling_mode_max_tokens":false,"pooling_mode_mean_sqrt_len_tokens":false})");
  write_file(dir + "/sentence_bert_config.json",
             R"({"max_seq_length": 24, "do_lower_case": false})");
  const auto want = expected();
  CliResult r = run_cli("embed --model " + dir, join({input_lines()[0], input_lines()[1]}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = r.out_lines();
  ASSERT_EQ(got.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_LE(max_abs_diff(json::parse(got[i])["embedding"], want[i]["embed_cls_normalized"]),
              1e-4);
  }
  // max_seq_length 24 applies: a 32-token input is refused without --truncate.
  expect_one_line_error(run_cli("embed --model " + dir, input_lines()[2] + "\n"), "stdin line 1");
  std::system(("rm -rf " + dir).c_str());
}

TEST(Cli, TooLongInputIsAnErrorWithoutTruncate) {
  const auto lines = input_lines();
  CliResult r = run_cli("embed --model " + kModel, join({lines[0], lines[8]}));
  expect_one_line_error(r, "stdin line 2");
  EXPECT_NE(r.err.find("--truncate"), std::string::npos);
  std::vector<int> ids(129, 1000);
  ids.front() = 2;
  expect_one_line_error(
      run_cli("hidden --model " + kModel, json({{"input_ids", ids}}).dump() + "\n"), "129");
}

TEST(Cli, BadInputLinesNameTheLine) {
  const std::string ok = R"({"text": "fine"})";
  expect_one_line_error(run_cli("embed --model " + kModel, ok + "\n{\"text\": \n"), "stdin line 2");
  expect_one_line_error(run_cli("embed --model " + kModel, ok + "\n" + R"({"text": 5})" + "\n"),
                        "'text'");
  expect_one_line_error(run_cli("embed --model " + kModel, R"({"txt": "a"})"
                                                           "\n"),
                        "'text'");
  expect_one_line_error(run_cli("embed --model " + kModel, "[1,2]\n"), "stdin line 1");
  expect_one_line_error(run_cli("hidden --model " + kModel, R"({"input_ids": [2, 99999, 3]})"
                                                            "\n"),
                        "99999");
  expect_one_line_error(run_cli("hidden --model " + kModel, R"({"input_ids": [2, -1, 3]})"
                                                            "\n"),
                        "-1");
  expect_one_line_error(run_cli("hidden --model " + kModel, R"({"input_ids": []})"
                                                            "\n"),
                        "input_ids");
  expect_one_line_error(
      run_cli("hidden --model " + kModel, R"({"input_ids": [2, 3], "token_type_ids": [0]})"
                                          "\n"),
      "token_type_ids");
  expect_one_line_error(
      run_cli("hidden --model " + kModel, R"({"input_ids": [2, 3], "token_type_ids": [0, 2]})"
                                          "\n"),
      "2");
  expect_one_line_error(run_cli("hidden --model " + kModel, R"({"input_ids": [2, 1e30]})"
                                                            "\n"),
                        "input_ids");
  // Invalid UTF-8 inside a JSON string.
  expect_one_line_error(run_cli("tokenize --model " + kModel, "{\"text\": \"a\xff\xfe b\"}\n"),
                        "stdin line 1");
}

TEST(Cli, BadOptionsAndFoldersAreClearErrors) {
  expect_one_line_error(run_cli("embed", ""), "--model");
  expect_one_line_error(run_cli("embed --model /nonexistent/folder", ""), "/nonexistent/folder");
  expect_one_line_error(run_cli("embed --model " + kModel + " --pooling median", ""), "median");
  expect_one_line_error(run_cli("embed --model " + kModel + " --bogus", ""), "--bogus");
  expect_one_line_error(run_cli("tokenize --model " + kModel + " --max-length x", ""),
                        "--max-length");
  CliResult r = run_cli("frobnicate", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command"), std::string::npos);
  // A folder whose config.json is broken: the message names the file.
  const std::string dir = make_temp_dir("badcfg");
  write_file(dir + "/config.json", "{\"hidden_size\": \"abc\"}");
  expect_one_line_error(run_cli("hidden --model " + dir, ""), "config.json");
  std::system(("rm -rf " + dir).c_str());
}

TEST(Cli, TokenizeNeedsNoWeights) {
  REQUIRE_SHARED();
  CliResult r = run_cli("tokenize --model " + shared_vocab("bert-base-uncased"),
                        R"({"text": "Hello, world!"})"
                        "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json g = json::parse(r.out_lines().at(0));
  EXPECT_EQ(g["input_ids"], json({101, 7592, 1010, 2088, 999, 102}));
  EXPECT_EQ(g["offsets"], json({{0, 0}, {0, 5}, {5, 6}, {7, 12}, {12, 13}, {0, 0}}));
}

TEST(Cli, VersionNamesTheIsa) {
  CliResult r = run_cli("--version", "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("isa: "), std::string::npos) << r.out;
  // Every variant is named once, as native or as emulated.
  const size_t nat = r.out.find("kernel variants: native: ");
  ASSERT_NE(nat, std::string::npos) << r.out;
  const size_t semi = r.out.find(';', nat);
  const size_t emu = r.out.find("): ", semi);
  ASSERT_NE(emu, std::string::npos) << r.out;
  auto words = [](const std::string& text) {
    std::vector<std::string> w;
    std::istringstream in(text);
    for (std::string x; in >> x;) w.push_back(x);
    return w;
  };
  const auto native = words(r.out.substr(nat + 25, semi - nat - 25));
  const auto emulated = words(r.out.substr(emu + 3, r.out.find('\n', emu) - emu - 3));
  for (const std::string& v : kernels::kernel_variant_names()) {
    const bool in_native = std::count(native.begin(), native.end(), v) == 1;
    const bool in_emulated = std::count(emulated.begin(), emulated.end(), v) == 1;
    EXPECT_EQ(in_native, kernels::cpu_supports(v)) << v << " in " << r.out;
    EXPECT_EQ(in_emulated, !kernels::cpu_supports(v) && kernels::can_emulate(v)) << v << r.out;
  }
}

}  // namespace
}  // namespace lightbert::testing
