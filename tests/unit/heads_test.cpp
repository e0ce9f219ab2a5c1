// tests/unit/heads_test.cpp: the task heads' C++ API (lightbert/tasks.h) against golden outputs
// of the independent references (tools/make_head_models.py: bertlib float64 logits, Hugging Face's
// ids, Hugging Face pipeline post-processing ported in tools/head_reference.py, pytorch-crf's
// Viterbi): logits within 1e-4, identical labels / spans / words / answers / tokens, scores within
// 1e-4; plus the load-time error paths. Each test prints its largest logit difference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "heads/crf.h"
#include "lightbert/error.h"
#include "lightbert/tasks.h"
#include "support/head_models.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;
constexpr double kTol = 1e-4;

double diff(const float* got, const json& want, size_t n) {
  EXPECT_EQ(want.size(), n);
  double m = 0;
  for (size_t i = 0; i < std::min(n, want.size()); ++i) {
    m = std::max(m, std::fabs(static_cast<double>(got[i]) - want[i].get<double>()));
  }
  return m;
}

json flat(const json& rows) {
  json f = json::array();
  for (const json& r : rows) {
    for (const json& x : r) f.push_back(x);
  }
  return f;
}

struct Folder {
  std::string dir;
  explicit Folder(const std::string& name, const std::set<std::string>& drop = {})
      : dir(make_head_model(name, drop)) {}
  ~Folder() { remove_dir(dir); }
};

TEST(Heads, SequenceClassificationMatchesReference) {
  for (const std::string name : {"cls-single", "cls-multi", "cls-cross"}) {
    Folder f(name);
    auto model = Model::load(f.dir);
    SequenceClassifier clf(*model);
    EXPECT_EQ(clf.multi_label(), name != "cls-single");
    const auto gold = head_golden(name);
    ASSERT_EQ(gold.size(), 5u);
    std::vector<TextInput> inputs;
    for (const json& g : gold) {
      TextInput t{g["input"]["text"], std::nullopt};
      if (g["input"].contains("text_pair"))
        t.text_pair = g["input"]["text_pair"].get<std::string>();
      inputs.push_back(t);
    }
    const auto got = clf.classify(inputs, false);
    double worst = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
      worst = std::max(worst, diff(got[i].logits.data(), gold[i]["logits"], got[i].logits.size()));
      ASSERT_EQ(got[i].labels.size(), gold[i]["output"].size());
      for (size_t j = 0; j < got[i].labels.size(); ++j) {
        EXPECT_EQ(got[i].labels[j].label, gold[i]["output"][j]["label"]) << name << " " << i;
        EXPECT_NEAR(got[i].labels[j].score, gold[i]["output"][j]["score"].get<double>(), kTol);
      }
    }
    EXPECT_LE(worst, kTol) << name;
    std::printf("[heads] %s logits max abs diff %.3g\n", name.c_str(), worst);
  }
}

TEST(Heads, SimilarityMatchesReference) {
  auto model = Model::load(test_data("tiny-bert"));
  const auto gold = head_golden("similarity");
  ASSERT_EQ(gold.size(), 4u);
  std::vector<TextInput> inputs;
  for (const json& g : gold)
    inputs.push_back({g["input"]["text"], g["input"]["text_pair"].get<std::string>()});
  const auto got = similarity(*model, inputs, false);
  for (size_t i = 0; i < gold.size(); ++i) {
    EXPECT_NEAR(got[i], gold[i]["output"]["similarity"].get<double>(), kTol);
  }
  EXPECT_THROW(similarity(*model, {{"only one", std::nullopt}}, false), Error);
}

void check_entities(const std::vector<Entity>& got, const json& want, bool grouped,
                    const std::string& where) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].entity, want[i][grouped ? "entity_group" : "entity"]) << where << " #" << i;
    EXPECT_EQ(got[i].word, want[i]["word"]) << where << " #" << i;
    EXPECT_EQ(got[i].start, want[i]["start"]) << where << " #" << i;
    EXPECT_EQ(got[i].end, want[i]["end"]) << where << " #" << i;
    EXPECT_NEAR(got[i].score, want[i]["score"].get<double>(), kTol) << where << " #" << i;
    if (!grouped) {
      EXPECT_EQ(got[i].index, want[i]["index"]) << where;
    }
  }
}

TEST(Heads, TokenClassificationMatchesReference) {
  for (const std::string name : {"ner-bio", "ner-bioes", "ner-crf", "chinese-ner"}) {
    const bool whole = name == "chinese-ner";
    Folder f(whole ? "cls-single" : name);  // chinese-ner is a committed folder
    auto model = Model::load(whole ? test_data("heads/chinese-ner") : f.dir);
    TokenClassifier clf(*model);
    EXPECT_EQ(clf.has_crf(), name == "ner-crf");
    const auto gold = head_golden(name);
    ASSERT_GE(gold.size(), 3u);
    std::vector<std::string> texts;
    for (const json& g : gold) texts.push_back(g["input"]["text"]);
    double worst = 0;
    for (const std::string strat : {"none", "simple", "first", "max", "average"}) {
      if (name == "ner-crf" && (strat == "max" || strat == "average")) {
        EXPECT_THROW(clf.classify(texts, parse_aggregation(strat), false), Error);
        continue;
      }
      const auto got = clf.classify(texts, parse_aggregation(strat), false);
      for (size_t i = 0; i < gold.size(); ++i) {
        const std::string where = name + " " + strat + " text " + std::to_string(i);
        EXPECT_EQ(json(got[i].encoding.input_ids), gold[i]["input_ids"]) << where;
        for (size_t t = 0; t < got[i].encoding.size(); ++t) {
          EXPECT_EQ(got[i].encoding.offsets[t].first, gold[i]["offsets"][t][0]) << where;
          EXPECT_EQ(got[i].encoding.offsets[t].second, gold[i]["offsets"][t][1]) << where;
        }
        worst = std::max(worst,
                         diff(got[i].logits.data(), flat(gold[i]["logits"]), got[i].logits.size()));
        if (!gold[i]["tags"].is_null()) {
          EXPECT_EQ(json(got[i].tags), gold[i]["tags"]) << where;
        }
        check_entities(got[i].entities, gold[i]["output"][strat], strat != "none", where);
      }
    }
    EXPECT_LE(worst, kTol) << name;
    std::printf("[heads] %s logits max abs diff %.3g\n", name.c_str(), worst);
  }
}

TEST(Heads, CrfViterbiMatchesPytorchCrf) {
  const auto gold = head_golden("crf");
  ASSERT_EQ(gold.size(), 40u);
  size_t singles = 0;
  for (const json& g : gold) {
    heads::Crf crf;
    crf.num_tags = static_cast<int>(g["start"].size());
    crf.transitions = flat(g["transitions"]).get<std::vector<float>>();
    crf.start = g["start"].get<std::vector<float>>();
    crf.end = g["end"].get<std::vector<float>>();
    const std::vector<float> em = flat(g["emissions"]).get<std::vector<float>>();
    const size_t len = g["emissions"].size();
    singles += len == 1 ? 1 : 0;
    EXPECT_EQ(json(heads::viterbi(crf, em.data(), len)), g["tags"]) << g.dump();
  }
  EXPECT_GE(singles, 1u);  // length-1 sequences are covered
}

TEST(Heads, QuestionAnsweringMatchesReference) {
  Folder f("qa");
  auto model = Model::load(f.dir);
  QuestionAnswerer qa(*model);
  const auto gold = head_golden("qa");
  ASSERT_EQ(gold.size(), 4u);
  double worst = 0;
  for (const json& g : gold) {
    QaOptions o;
    const json& opt = g["options"];
    o.top_k = opt.value("top_k", 1);
    o.max_answer_len = opt.value("max_answer_len", 15);
    o.doc_stride = opt.value("doc_stride", -1);
    o.max_seq_len = opt.value("max_seq_len", -1);
    const QaResult r = qa.answer(g["input"]["question"], g["input"]["context"], o);
    ASSERT_EQ(r.windows.size(), g["windows"].size()) << g["input"].dump();
    for (size_t w = 0; w < r.windows.size(); ++w) {
      EXPECT_EQ(json(r.windows[w].input_ids), g["windows"][w]["input_ids"]) << "window " << w;
      worst = std::max(worst, diff(r.start_logits[w].data(), g["windows"][w]["start_logits"],
                                   r.start_logits[w].size()));
      worst = std::max(worst, diff(r.end_logits[w].data(), g["windows"][w]["end_logits"],
                                   r.end_logits[w].size()));
    }
    ASSERT_EQ(r.answers.size(), g["output"].size());
    for (size_t i = 0; i < r.answers.size(); ++i) {
      EXPECT_EQ(r.answers[i].answer, g["output"][i]["answer"]);
      EXPECT_EQ(r.answers[i].start, g["output"][i]["start"]);
      EXPECT_EQ(r.answers[i].end, g["output"][i]["end"]);
      EXPECT_NEAR(r.answers[i].score, g["output"][i]["score"].get<double>(), kTol);
    }
  }
  EXPECT_LE(worst, kTol);
  std::printf("[heads] qa logits max abs diff %.3g\n", worst);
  QaOptions bad;
  bad.max_seq_len = 20;
  bad.doc_stride = 19;
  EXPECT_THROW(qa.answer("what is the capital of france?", gold[0]["input"]["context"], bad),
               Error);
  EXPECT_THROW(qa.answer("", "some context", {}), Error);
}

TEST(Heads, FillMaskMatchesReference) {
  Folder f("mlm");
  auto model = Model::load(f.dir);
  MaskFiller filler(*model);
  const auto gold = head_golden("mlm");
  ASSERT_EQ(gold.size(), 4u);
  double worst = 0;
  for (const json& g : gold) {
    const auto r = filler.fill({g["input"]["text"].get<std::string>()}, g["top_k"], false)[0];
    ASSERT_EQ(r.logits.size(), g["logits"].size());
    const bool single = r.predictions.size() == 1;
    for (size_t m = 0; m < r.logits.size(); ++m) {
      worst = std::max(worst, diff(r.logits[m].data(), g["logits"][m], r.logits[m].size()));
      const json& want = single ? g["output"] : g["output"][m];
      ASSERT_EQ(r.predictions[m].size(), want.size());
      for (size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(r.predictions[m][k].token, want[k]["token"]);
        EXPECT_EQ(r.predictions[m][k].token_str, want[k]["token_str"]);
        EXPECT_EQ(r.predictions[m][k].sequence, want[k]["sequence"]);
        EXPECT_NEAR(r.predictions[m][k].score, want[k]["score"].get<double>(), kTol);
      }
    }
  }
  EXPECT_LE(worst, kTol);
  std::printf("[heads] mlm logits max abs diff %.3g\n", worst);
  try {
    filler.fill({"has a [MASK]", "no mask here"}, 5, false);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input 1"), std::string::npos) << e.what();
  }
}

// The heads' products run on the model's thread pool (ops::linear, all rows of a call in one
// product): a batched call gives the same logits with 1 and 3 threads (tiles split the outputs,
// never a dot product), the classification logits within the goldens' tolerance.
TEST(Heads, BatchedHeadsGiveTheSameLogitsOnAnyThreadCount) {
  Folder mlm("mlm"), cls("cls-cross");
  std::vector<std::string> texts;
  for (const json& g : head_golden("mlm")) texts.push_back(g["input"]["text"].get<std::string>());
  std::vector<TextInput> pairs;
  for (const json& g : head_golden("cls-cross")) {
    TextInput t{g["input"]["text"], std::nullopt};
    if (g["input"].contains("text_pair")) t.text_pair = g["input"]["text_pair"].get<std::string>();
    pairs.push_back(t);
  }
  std::vector<std::vector<float>> fill_logits[2], cls_logits[2];
  const int threads[2] = {1, 3};
  for (int k = 0; k < 2; ++k) {
    ModelOptions o;
    o.threads = threads[k];
    auto m = Model::load(mlm.dir, o);
    MaskFiller filler(*m);
    for (const auto& r : filler.fill(texts, 5, false))
      fill_logits[k].insert(fill_logits[k].end(), r.logits.begin(), r.logits.end());
    auto c = Model::load(cls.dir, o);
    SequenceClassifier clf(*c);
    for (const auto& r : clf.classify(pairs, false)) cls_logits[k].push_back(r.logits);
  }
  ASSERT_GE(fill_logits[0].size(), texts.size());
  ASSERT_EQ(cls_logits[0].size(), pairs.size());
  EXPECT_EQ(fill_logits[0], fill_logits[1]);
  EXPECT_EQ(cls_logits[0], cls_logits[1]);
  const auto gold = head_golden("cls-cross");
  for (size_t i = 0; i < pairs.size(); ++i)
    EXPECT_LE(diff(cls_logits[1][i].data(), gold[i]["logits"], cls_logits[1][i].size()), kTol);
}

void expect_error(const std::function<void()>& fn, ErrorCode code,
                  std::vector<std::string> needles) {
  try {
    fn();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& n : needles)
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

TEST(Heads, LoadErrorsNameTensorOrTask) {
  {
    Folder f("cls-single", {"classifier.bias"});
    auto model = Model::load(f.dir);
    expect_error([&] { SequenceClassifier c(*model); }, ErrorCode::kNotFound,
                 {"'classifier.bias'"});
  }
  {
    Folder f("ner-crf", {"crf.end_transitions"});
    auto model = Model::load(f.dir);
    expect_error([&] { TokenClassifier c(*model); }, ErrorCode::kNotFound,
                 {"'crf.end_transitions'"});
  }
  {
    Folder f("mlm", {"cls.predictions.transform.dense.weight"});
    auto model = Model::load(f.dir);
    expect_error([&] { MaskFiller c(*model); }, ErrorCode::kNotFound,
                 {"'cls.predictions.transform.dense.weight'"});
  }
  {
    Folder f("ner-bio");
    auto model = Model::load(f.dir);
    expect_error([&] { QuestionAnswerer q(*model); }, ErrorCode::kUnsupported,
                 {"question answering", "BertForTokenClassification"});
    expect_error([&] { SequenceClassifier c(*model); }, ErrorCode::kUnsupported,
                 {"sequence classification", "BertForTokenClassification"});
    expect_error([&] { MaskFiller m(*model); }, ErrorCode::kUnsupported, {"fill-mask"});
  }
  auto base = Model::load(test_data("tiny-bert"));
  expect_error([&] { TokenClassifier t(*base); }, ErrorCode::kUnsupported,
               {"token classification", "BertModel"});
  expect_error([] { parse_aggregation("mean"); }, ErrorCode::kInvalidArgument, {"'mean'"});
}

}  // namespace
}  // namespace lightbert::testing
