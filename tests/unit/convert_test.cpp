// tests/unit/convert_test.cpp: `lightbert convert` end to end, as a user runs it: a pruned or
// cut tiny-bert .lbt gives, through `lightbert hidden --model FILE.lbt`, the PyTorch golden of
// the same transforms (tools/prune_reference.py, Hugging Face prune_heads semantics); the
// --json accuracy report (exact for a plain fp32 convert, sizes equal to the files'); ratio
// pruning with a calibration file; the other commands (tokenize, embed, classify, fill-mask) on
// a .lbt print what they print on the folder; bad arguments are one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "support/head_models.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

struct TempDir {
  std::string path = make_temp_dir("convert");
  ~TempDir() { std::filesystem::remove_all(path); }
};

const json& golden() {
  static const json g = json::parse(read_file(test_data("prune/golden.json")))["tiny"];
  return g;
}

// The golden batch as `hidden` input lines.
std::string id_lines() {
  const json& b = golden()["batch"];
  std::string in;
  size_t off = 0;
  for (const json& n : b["lengths"]) {
    const size_t len = n.get<size_t>();
    json line = {{"input_ids", json::array()}, {"token_type_ids", json::array()}};
    for (size_t i = off; i < off + len; ++i) {
      line["input_ids"].push_back(b["input_ids"][i]);
      line["token_type_ids"].push_back(b["token_type_ids"][i]);
    }
    off += len;
    in += line.dump() + "\n";
  }
  return in;
}

void expect_ok(const CliResult& r) {
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

void expect_hidden_matches(const std::string& lbt, const std::string& case_name) {
  const json* want = nullptr;
  for (const json& c : golden()["cases"]) {
    if (c["name"] == case_name) want = &c;
  }
  ASSERT_NE(want, nullptr);
  CliResult r = run_cli("hidden --model " + shell_quote(lbt), id_lines());
  expect_ok(r);
  std::vector<float> rows, pooled;
  for (const std::string& line : r.out_lines()) {
    const json j = json::parse(line);
    for (const json& row : j["last_hidden_state"]) {
      for (const json& x : row) rows.push_back(x.get<float>());
    }
    for (const json& x : j["pooler_output"]) pooled.push_back(x.get<float>());
  }
  ASSERT_EQ(rows.size(), (*want)["last_hidden_state"].size());
  ASSERT_EQ(pooled.size(), (*want)["pooler_output"].size());
  double m = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    m = std::max(m, std::fabs(rows[i] - (*want)["last_hidden_state"][i].get<double>()));
  }
  for (size_t i = 0; i < pooled.size(); ++i) {
    m = std::max(m, std::fabs(pooled[i] - (*want)["pooler_output"][i].get<double>()));
  }
  EXPECT_LE(m, 1e-4) << case_name;
}

TEST(Convert, PrunedHeadsMatchHuggingFacePruneHeads) {
  TempDir tmp;
  const std::string lbt = tmp.path + "/pruned.lbt";
  CliResult r = run_cli("convert " + test_data("tiny-bert") + " " + lbt +
                            " --prune-heads '0:1,3;1:2' --runs 1 --json",
                        "");
  expect_ok(r);
  const json report = json::parse(r.out);
  EXPECT_EQ(report["pruned_heads"], json::parse(R"({"0": [1, 3], "1": [2]})"));
  EXPECT_EQ(report["heads"], 5);
  EXPECT_LT(report["cosine"]["mean"].get<double>(), 1.0);
  expect_hidden_matches(lbt, "prune");
}

TEST(Convert, KeptLayersMatchTheReference) {
  TempDir tmp;
  const std::string lbt = tmp.path + "/cut.lbt";
  CliResult r = run_cli("convert " + test_data("tiny-bert") + " " + lbt + " --keep-layers 1", "");
  expect_ok(r);
  EXPECT_NE(r.out.find("1 layers"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("speed-up"), std::string::npos) << r.out;
  expect_hidden_matches(lbt, "keep");
}

TEST(Convert, PlainConvertReportIsExact) {
  TempDir tmp;
  const std::string lbt = tmp.path + "/plain.lbt";
  CliResult r = run_cli("convert " + test_data("tiny-bert") + " " + lbt + " --json --runs 2", "");
  expect_ok(r);
  const json rep = json::parse(r.out);
  EXPECT_NEAR(rep["cosine"]["min"].get<double>(), 1.0, 1e-12);
  EXPECT_EQ(rep["max_abs_diff"].get<double>(), 0.0);
  EXPECT_EQ(rep["calibration"]["texts"], 50);
  EXPECT_EQ(rep["size_bytes"]["before"].get<uint64_t>(),
            std::filesystem::file_size(test_data("tiny-bert/model.safetensors")));
  EXPECT_EQ(rep["size_bytes"]["after"].get<uint64_t>(), std::filesystem::file_size(lbt));
  EXPECT_GT(rep["forward_ms"]["before"].get<double>(), 0.0);
  EXPECT_GT(rep["speedup"].get<double>(), 0.0);

  // Every command that reads a model prints the same for the file as for the folder.
  const std::string texts = "{\"text\": \"the quick brown fox\"}\n{\"text\": \"hello world\"}\n";
  for (const std::string cmd : {"tokenize", "embed", "hidden"}) {
    CliResult a = run_cli(cmd + " --model " + test_data("tiny-bert"), texts);
    CliResult b = run_cli(cmd + " --model " + lbt, texts);
    expect_ok(b);
    EXPECT_EQ(a.out, b.out) << cmd;
  }
}

TEST(Convert, RatioPruningWithACalibrationFile) {
  TempDir tmp;
  const std::string calib = tmp.path + "/calib.txt";
  write_file(calib, "the first sentence of the calibration text\n\nanother one, shorter\r\n");
  CliResult r = run_cli("convert " + test_data("tiny-bert") + " " + tmp.path +
                            "/r.lbt --prune-heads-ratio 0.3 --calib " + calib + " --json --runs 1",
                        "");
  expect_ok(r);
  const json rep = json::parse(r.out);
  EXPECT_EQ(rep["calibration"]["texts"], 2);
  EXPECT_EQ(rep["heads"], 6);  // floor(0.3 * 8) = 2 pruned
  size_t pruned = 0;
  for (const auto& [layer, heads] : rep["pruned_heads"].items()) {
    EXPECT_LT(heads.size(), 4u) << layer;
    pruned += heads.size();
  }
  EXPECT_EQ(pruned, 2u);
}

TEST(Convert, HeadModelsRunFromTheFile) {
  TempDir tmp;
  for (const std::string name : {"cls-single", "mlm"}) {
    const std::string dir = make_head_model(name);
    const std::string lbt = tmp.path + "/" + name + ".lbt";
    expect_ok(run_cli("convert " + dir + " " + lbt + " --runs 1", ""));
    const std::string cmd = name == "mlm" ? "fill-mask" : "classify";
    const std::string in =
        name == "mlm" ? "{\"text\": \"the man [MASK] home\"}\n" : "{\"text\": \"a good film\"}\n";
    CliResult a = run_cli(cmd + " --model " + dir, in);
    CliResult b = run_cli(cmd + " --model " + lbt, in);
    expect_ok(b);
    EXPECT_EQ(a.out, b.out) << name;
    remove_dir(dir);
  }
}

// A labelled --calib reports the classification accuracy of the folder and of the file: gold
// labels are the golden top labels (tools/make_head_models.py, Hugging Face's pipeline) given by
// name or by id, and one deliberately wrong label, so the accuracy is exactly (n - 1) / n.
TEST(Convert, LabelledCalibrationReportsTheTaskScore) {
  TempDir tmp;
  const std::string dir = make_head_model("cls-single");
  const std::vector<std::string> names = {"negative", "neutral", "positive"};
  std::string calib;
  size_t n = 0;
  for (const json& g : head_golden("cls-single")) {
    if (!g["input"].contains("text") || g["input"].contains("text_pair")) continue;
    const std::string text = g["input"]["text"];
    if (text.find('\t') != std::string::npos || text.find('\n') != std::string::npos) continue;
    const std::string top = g["output"][0]["label"];
    const size_t id = std::find(names.begin(), names.end(), top) - names.begin();
    ASSERT_LT(id, names.size()) << top;
    std::string label = n % 2 ? std::to_string(id) : top;
    if (n == 0) label = names[(id + 1) % names.size()];  // wrong on purpose
    calib += text + "\t" + label + "\n";
    ++n;
  }
  ASSERT_GE(n, 3u);
  write_file(tmp.path + "/calib.tsv", calib);
  CliResult r = run_cli("convert " + dir + " " + tmp.path + "/c.lbt --calib " + tmp.path +
                            "/calib.tsv --json --runs 1",
                        "");
  expect_ok(r);
  const json rep = json::parse(r.out);
  EXPECT_EQ(rep["calibration"]["texts"], n);
  ASSERT_TRUE(rep.contains("task")) << r.out;
  EXPECT_EQ(rep["task"]["metric"], "accuracy");
  EXPECT_EQ(rep["task"]["examples"], n);
  const double want = static_cast<double>(n - 1) / static_cast<double>(n);
  EXPECT_DOUBLE_EQ(rep["task"]["before"].get<double>(), want);
  EXPECT_DOUBLE_EQ(rep["task"]["after"].get<double>(), want);  // fp32: the same model
  // The text report names it too; an unlabelled file reports no task score.
  r = run_cli("convert " + dir + " " + tmp.path + "/c.lbt --calib " + tmp.path + "/calib.tsv --runs 1", "");
  expect_ok(r);
  EXPECT_NE(r.out.find("task accuracy on the " + std::to_string(n) + " labelled"), std::string::npos)
      << r.out;
  write_file(tmp.path + "/mixed.txt", "one\tpositive\ntwo without a label\n");
  r = run_cli("convert " + dir + " " + tmp.path + "/m.lbt --calib " + tmp.path + "/mixed.txt --json --runs 1", "");
  expect_ok(r);
  EXPECT_FALSE(json::parse(r.out).contains("task"));
  EXPECT_EQ(json::parse(r.out)["calibration"]["texts"], 2);

  // Bad labelled sets and a model without a classification head are one-line errors.
  write_file(tmp.path + "/bad-label.tsv", "a good film\tpositive\na bad film\tnope\n");
  write_file(tmp.path + "/bad-id.tsv", "a good film\t3\n");
  write_file(tmp.path + "/four.tsv", "a\tb\tc\td\n");
  write_file(tmp.path + "/empty-label.tsv", "a good film\t \n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir + " " + tmp.path + "/x.lbt --calib " + tmp.path + "/bad-label.tsv", "'nope' of calibration line 2"},
      {dir + " " + tmp.path + "/x.lbt --calib " + tmp.path + "/bad-id.tsv", "'3' of calibration line 1"},
      {dir + " " + tmp.path + "/x.lbt --calib " + tmp.path + "/four.tsv", "4 tab-separated fields"},
      {dir + " " + tmp.path + "/x.lbt --calib " + tmp.path + "/empty-label.tsv", "empty label"},
      {test_data("tiny-bert") + " " + tmp.path + "/x.lbt --calib " + tmp.path + "/calib.tsv",
       "sequence-classification head"},
  };
  for (const auto& [args, needle] : cases) {
    CliResult e = run_cli("convert " + args + " --runs 1", "");
    EXPECT_EQ(e.exit_code, 1) << args;
    EXPECT_NE(e.err.find(needle), std::string::npos) << args << ": " << e.err;
    EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
  }
  remove_dir(dir);
}

TEST(Convert, HelpNamesTheImportanceCriterion) {
  CliResult r = run_cli("convert --help", "");
  expect_ok(r);
  EXPECT_NE(r.out.find("1 - cosine"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--keep-layers"), std::string::npos) << r.out;
}

TEST(Convert, BadArgumentsAreOneLineErrors) {
  TempDir tmp;
  const std::string tiny = test_data("tiny-bert");
  const std::string out = tmp.path + "/x.lbt";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"convert " + tiny, "IN_DIR OUT.lbt"},
      {"convert " + tiny + " " + out + " --prune-heads 0:1 --prune-heads-ratio 0.5", "not both"},
      {"convert " + tiny + " " + out + " --prune-heads 0:x", "--prune-heads"},
      {"convert " + tiny + " " + out + " --prune-heads '0:0,1,2,3'", "keep no head"},
      {"convert " + tiny + " " + out + " --keep-layers 1,0", "increasing"},
      {"convert " + tiny + " " + out + " --prune-heads-ratio 1.5", "[0, 1)"},
      {"convert " + tiny + " " + out + " --dtype fp64", "dtype"},
      {"convert " + tiny + " " + out + " --calib " + tmp.path + "/none.txt", "none.txt"},
  };
  for (const auto& [args, needle] : cases) {
    CliResult r = run_cli(args, "");
    EXPECT_EQ(r.exit_code, 1) << args;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
  // A .lbt is not a folder to convert.
  expect_ok(run_cli("convert " + tiny + " " + out + " --runs 1", ""));
  CliResult r = run_cli("convert " + out + " " + tmp.path + "/y.lbt", "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a .lbt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lightbert::testing
