// tests/unit/heads_cli_test.cpp: the task-head CLI commands (classify, similarity, ner, qa,
// fill-mask) end to end against the golden outputs of tools/make_head_models.py (Hugging Face
// pipeline field names, identical labels / spans / answers / tokens, scores within 1e-4), and
// their error paths: exit 1 with one stderr line naming the input line, field or task.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "support/head_models.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

struct Folder {
  std::string dir;
  explicit Folder(const std::string& name) : dir(make_head_model(name)) {}
  ~Folder() { remove_dir(dir); }
};

// Same keys and values; numbers within 1e-4, everything else identical.
void expect_same(const json& got, const json& want, const std::string& where) {
  if (want.is_number() && got.is_number()) {
    EXPECT_NEAR(got.get<double>(), want.get<double>(), 1e-4) << where;
    return;
  }
  ASSERT_EQ(got.type(), want.type()) << where << " got " << got.dump() << " want " << want.dump();
  if (want.is_array()) {
    ASSERT_EQ(got.size(), want.size()) << where << " got " << got.dump() << " want " << want.dump();
    for (size_t i = 0; i < want.size(); ++i)
      expect_same(got[i], want[i], where + "[" + std::to_string(i) + "]");
  } else if (want.is_object()) {
    ASSERT_EQ(got.size(), want.size()) << where << " got " << got.dump() << " want " << want.dump();
    for (auto it = want.begin(); it != want.end(); ++it) {
      ASSERT_TRUE(got.contains(it.key())) << where << " lacks " << it.key();
      expect_same(got[it.key()], it.value(), where + "." + it.key());
    }
  } else {
    EXPECT_EQ(got, want) << where;
  }
}

std::vector<json> run_lines(const std::string& args, const std::string& in) {
  CliResult r = run_cli(args, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out;
  for (const auto& l : r.out_lines()) out.push_back(json::parse(l));
  return out;
}

void expect_one_line_error(const CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
}

TEST(HeadsCli, ClassifyAndSimilarity) {
  for (const std::string name : {"cls-single", "cls-multi", "cls-cross"}) {
    Folder f(name);
    const auto gold = head_golden(name);
    std::string in;
    for (const json& g : gold) in += g["input"].dump() + "\n";
    const auto got = run_lines("classify --top-k 0 --batch-size 2 --model " + f.dir, in);
    ASSERT_EQ(got.size(), gold.size());
    for (size_t i = 0; i < gold.size(); ++i) expect_same(got[i], gold[i]["output"], name);
    const auto top1 = run_lines("classify --model " + f.dir, in);
    for (size_t i = 0; i < gold.size(); ++i)
      expect_same(top1[i], json::array({gold[i]["output"][0]}), name);
  }
  const auto gold = head_golden("similarity");
  std::string in;
  for (const json& g : gold) in += g["input"].dump() + "\n";
  const auto got = run_lines("similarity --model " + test_data("tiny-bert"), in);
  ASSERT_EQ(got.size(), gold.size());
  for (size_t i = 0; i < gold.size(); ++i) expect_same(got[i], gold[i]["output"], "similarity");
}

TEST(HeadsCli, NerEveryAggregation) {
  for (const std::string name : {"ner-bio", "ner-bioes", "ner-crf", "chinese-ner"}) {
    Folder f(name == "chinese-ner" ? "cls-single" : name);
    const std::string dir = name == "chinese-ner" ? test_data("heads/chinese-ner") : f.dir;
    const auto gold = head_golden(name);
    std::string in;
    for (const json& g : gold) in += g["input"].dump() + "\n";
    for (const std::string strat : {"none", "simple", "first", "max", "average"}) {
      if (name == "ner-crf" && (strat == "max" || strat == "average")) {
        expect_one_line_error(run_cli("ner --aggregation " + strat + " --model " + dir, in), "CRF");
        continue;
      }
      const auto got = run_lines("ner --aggregation " + strat + " --model " + dir, in);
      ASSERT_EQ(got.size(), gold.size());
      for (size_t i = 0; i < gold.size(); ++i)
        expect_same(got[i], gold[i]["output"][strat], name + " " + strat);
    }
    // The default is simple.
    const auto dflt = run_lines("ner --model " + dir, in);
    for (size_t i = 0; i < gold.size(); ++i)
      expect_same(dflt[i], gold[i]["output"]["simple"], name);
  }
}

TEST(HeadsCli, QaAndFillMask) {
  {
    Folder f("qa");
    for (const json& g : head_golden("qa")) {
      const json& o = g["options"];
      std::string args = "qa --model " + f.dir;
      if (o.contains("top_k")) args += " --top-k " + std::to_string(o["top_k"].get<int>());
      if (o.contains("max_answer_len"))
        args += " --max-answer-len " + std::to_string(o["max_answer_len"].get<int>());
      if (o.contains("doc_stride"))
        args += " --doc-stride " + std::to_string(o["doc_stride"].get<int>());
      if (o.contains("max_seq_len"))
        args += " --max-seq-len " + std::to_string(o["max_seq_len"].get<int>());
      const auto got = run_lines(args, g["input"].dump() + "\n");
      ASSERT_EQ(got.size(), 1u);
      expect_same(got[0], o.contains("top_k") ? g["output"] : g["output"][0], "qa " + args);
    }
  }
  Folder f("mlm");
  for (const json& g : head_golden("mlm")) {
    const auto got = run_lines(
        "fill-mask --top-k " + std::to_string(g["top_k"].get<int>()) + " --model " + f.dir,
        g["input"].dump() + "\n");
    ASSERT_EQ(got.size(), 1u);
    expect_same(got[0], g["output"], "fill-mask " + g["input"].dump());
  }
}

TEST(HeadsCli, ErrorsAreOneLine) {
  Folder ner("ner-bio"), qa("qa"), mlm("mlm"), cls("cls-single");
  expect_one_line_error(run_cli("ner --model " + ner.dir, "{\"text\":\"ok\"}\nnot json\n"),
                        "stdin line 2");
  expect_one_line_error(run_cli("ner --model " + ner.dir, "{\"text\":\"a\",\"text_pair\":\"b\"}\n"),
                        "stdin line 1: this command takes no 'text_pair'");
  expect_one_line_error(run_cli("ner --aggregation mean --model " + ner.dir, ""), "'mean'");
  expect_one_line_error(run_cli("qa --model " + ner.dir, ""), "BertForTokenClassification");
  expect_one_line_error(run_cli("fill-mask --model " + cls.dir, ""), "fill-mask");
  expect_one_line_error(run_cli("classify --model " + test_data("tiny-bert"), ""), "BertModel");
  expect_one_line_error(run_cli("qa --model " + qa.dir, "{\"question\":\"who?\"}\n"),
                        "stdin line 1: missing field 'context'");
  expect_one_line_error(run_cli("qa --model " + qa.dir, "{\"question\":\"who?\",\"context\":3}\n"),
                        "field 'context' must be a string");
  expect_one_line_error(run_cli("qa --model " + qa.dir, "[1]\n"), "expected a JSON object");
  expect_one_line_error(run_cli("fill-mask --model " + mlm.dir,
                                "{\"text\":\"a [MASK]\"}\n\n{\"text\":\"no mask\"}\n"),
                        "stdin line 3: no mask token");
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  expect_one_line_error(run_cli("classify --model " + cls.dir,
                                "{\"text\":\"fine\"}\n{\"text\":\"" + long_text + "\"}\n"),
                        "stdin line 2");
  const auto truncated =
      run_lines("classify --truncate --model " + cls.dir, "{\"text\":\"" + long_text + "\"}\n");
  EXPECT_EQ(truncated.size(), 1u);
  expect_one_line_error(run_cli("similarity --model " + cls.dir, "{\"text\":\"one\"}\n"),
                        "stdin line 1: similarity needs 'text' and 'text_pair'");
}

}  // namespace
}  // namespace lightbert::testing
