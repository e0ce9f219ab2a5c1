// tests/unit/server_heads_test.cpp: the task-head endpoints of `lightbert serve` (/predict, /ner,
// /qa, /fill-mask) answer what the PyTorch-derived golden outputs of tools/make_head_models.py
// say (tests/data/heads/golden.jsonl: labels, spans, words, tokens identical, scores within
// 1e-4), for single and listed inputs and every option, and what the C++ head API (tasks.h)
// gives in process for the same inputs (scores within 1e-5), also when a request is split into
// several head calls by --max-batch-tokens; /info lists the heads and labels.
#include <gtest/gtest.h>

#include <map>

#include "lightbert/tasks.h"
#include "unit/server_heads_util.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

void expect_info(const HeadServer& s, const std::string& head, const json& labels) {
  const Answer info = s.get("/info");
  ASSERT_EQ(info.status, 200) << info.body;
  const json j = info.json();
  EXPECT_EQ(j["heads"], json::array({head})) << info.body;
  if (!labels.is_null()) {
    EXPECT_EQ(j["head_labels"][head], labels) << info.body;
  }
}

TEST(ServerHeads, PredictMatchesGoldenAndTheHeadApi) {
  for (const std::string name : {"cls-single", "cls-multi", "cls-cross"}) {
    SCOPED_TRACE(name);
    HeadServer s(name);
    ASSERT_GT(s.port, 0) << s.process.stderr_text();
    auto model = Model::load(s.dir);
    SequenceClassifier api(*model);
    expect_info(s, "sequence-classification", api.labels());
    // Multi-label and one-label heads use sigmoid scores (as Hugging Face), the others softmax.
    EXPECT_EQ(s.get("/info").json()["classification_scores"],
              name == "cls-single" ? "softmax" : "sigmoid");

    const auto gold = head_golden(name);
    json inputs = json::array(), want = json::array(), want_top1 = json::array();
    std::vector<TextInput> api_inputs;
    for (const json& g : gold) {
      const std::string text = g["input"]["text"];
      if (g["input"].contains("text_pair")) {
        inputs.push_back({text, g["input"]["text_pair"]});
        api_inputs.push_back({text, g["input"]["text_pair"].get<std::string>()});
      } else {
        inputs.push_back(text);
        api_inputs.push_back({text, std::nullopt});
        const Answer one =
            s.post_json("/predict", json{{"inputs", text}});  // a single input: one list
        ASSERT_EQ(one.status, 200) << one.body;
        expect_json_near(one.json(), g["output"], text);
      }
      want.push_back(g["output"]);
      want_top1.push_back(json::array({g["output"][0]}));
    }
    const Answer all = s.post_json("/predict", json{{"inputs", inputs}});
    ASSERT_EQ(all.status, 200) << all.body;
    expect_json_near(all.json(), want, "all labels");
    const Answer top1 = s.post_json("/predict", json{{"inputs", inputs}, {"top_k", 1}});
    ASSERT_EQ(top1.status, 200) << top1.body;
    expect_json_near(top1.json(), want_top1, "top_k 1");

    // raw_scores: the golden float64 logits, labels in the same (best first) order.
    const Answer raw = s.post_json("/predict", json{{"inputs", inputs}, {"raw_scores", true}});
    ASSERT_EQ(raw.status, 200) << raw.body;
    std::map<std::string, size_t> id;
    for (size_t k = 0; k < api.labels().size(); ++k) id[api.labels()[k]] = k;
    for (size_t i = 0; i < gold.size(); ++i) {
      const json got = raw.json()[i];
      ASSERT_EQ(got.size(), gold[i]["logits"].size());
      for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k]["label"], gold[i]["output"][k]["label"]);
        EXPECT_NEAR(got[k]["score"].get<double>(),
                    gold[i]["logits"][id.at(got[k]["label"])].get<double>(), 1e-4);
      }
    }

    // The C++ head API on the same folder, in process.
    const auto expected = api.classify(api_inputs, false);
    const json got = all.json();
    for (size_t i = 0; i < expected.size(); ++i) {
      for (size_t k = 0; k < expected[i].labels.size(); ++k) {
        EXPECT_EQ(got[i][k]["label"], expected[i].labels[k].label);
        EXPECT_NEAR(got[i][k]["score"].get<double>(), expected[i].labels[k].score, 1e-5);
      }
    }
  }
}

TEST(ServerHeads, NerEveryAggregationMatchesGoldenAndTheHeadApi) {
  for (const std::string name : {"ner-bio", "ner-bioes", "ner-crf", "chinese-ner"}) {
    SCOPED_TRACE(name);
    HeadServer s(name);
    ASSERT_GT(s.port, 0) << s.process.stderr_text();
    auto model = Model::load(s.dir);
    TokenClassifier api(*model);
    expect_info(s, "token-classification", api.labels());
    EXPECT_EQ(s.get("/info").json()["crf"], name == "ner-crf");

    const auto gold = head_golden(name);
    json inputs = json::array();
    std::vector<std::string> texts;
    for (const json& g : gold) {
      inputs.push_back(g["input"]["text"]);
      texts.push_back(g["input"]["text"]);
    }
    for (const std::string strat : {"none", "simple", "first", "max", "average"}) {
      const Answer a =
          s.post_json("/ner", json{{"inputs", inputs}, {"aggregation_strategy", strat}});
      if (name == "ner-crf" && (strat == "max" || strat == "average")) {
        expect_error(a, 400, "validation", "CRF");
        continue;
      }
      ASSERT_EQ(a.status, 200) << a.body;
      json want = json::array();
      for (const json& g : gold) want.push_back(g["output"][strat]);
      expect_json_near(a.json(), want, strat);
    }
    // Default aggregation simple; a single input gives one list.
    const Answer one = s.post_json("/ner", json{{"inputs", texts[0]}});
    ASSERT_EQ(one.status, 200) << one.body;
    expect_json_near(one.json(), gold[0]["output"]["simple"], "single");

    const Answer first =
        s.post_json("/ner", json{{"inputs", inputs}, {"aggregation_strategy", "first"}});
    const auto expected = api.classify(texts, Aggregation::kFirst, false);
    for (size_t i = 0; i < expected.size(); ++i) {
      const json got = first.json()[i];
      ASSERT_EQ(got.size(), expected[i].entities.size());
      for (size_t e = 0; e < got.size(); ++e) {
        const Entity& x = expected[i].entities[e];
        EXPECT_EQ(got[e]["entity_group"], x.entity);
        EXPECT_EQ(got[e]["word"], x.word);
        EXPECT_EQ(got[e]["start"], x.start);
        EXPECT_EQ(got[e]["end"], x.end);
        EXPECT_NEAR(got[e]["score"].get<double>(), x.score, 1e-5);
      }
    }
  }
}

TEST(ServerHeads, QaMatchesGoldenAndTheHeadApi) {
  HeadServer s("qa");
  ASSERT_GT(s.port, 0) << s.process.stderr_text();
  expect_info(s, "question-answering", nullptr);
  auto model = Model::load(s.dir);
  QuestionAnswerer api(*model);
  std::map<std::string, std::pair<json, json>> by_options;  // options -> (inputs, outputs)
  for (const json& g : head_golden("qa")) {
    const json& o = g["options"];
    json body = o;
    body["question"] = g["input"]["question"];
    body["context"] = g["input"]["context"];
    const Answer a = s.post_json("/qa", body);
    ASSERT_EQ(a.status, 200) << a.body;
    const json want = o.contains("top_k") ? g["output"] : g["output"][0];
    expect_json_near(a.json(), want, "qa " + o.dump());
    auto& group = by_options[o.dump()];
    group.first.push_back(g["input"]);
    group.second.push_back(want);

    QaOptions qo;
    qo.top_k = o.value("top_k", 1);
    qo.max_answer_len = o.value("max_answer_len", 15);
    qo.doc_stride = o.value("doc_stride", -1);
    qo.max_seq_len = o.value("max_seq_len", -1);
    const QaResult r = api.answer(g["input"]["question"], g["input"]["context"], qo);
    const json got = o.contains("top_k") ? a.json() : json::array({a.json()});
    ASSERT_EQ(got.size(), r.answers.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i]["answer"], r.answers[i].answer);
      EXPECT_EQ(got[i]["start"], r.answers[i].start);
      EXPECT_EQ(got[i]["end"], r.answers[i].end);
      EXPECT_NEAR(got[i]["score"].get<double>(), r.answers[i].score, 1e-5);
    }
  }
  // The same questions as a list under "inputs", one request per option set.
  for (const auto& [options, group] : by_options) {
    json body = json::parse(options);
    body["inputs"] = group.first;
    const Answer a = s.post_json("/qa", body);
    ASSERT_EQ(a.status, 200) << a.body;
    expect_json_near(a.json(), group.second, "inputs " + options);
  }
}

// The first `k` predictions (of each mask when there are several).
json first_k(const json& output, size_t k) {
  if (output[0].is_array()) {
    json out = json::array();
    for (const json& m : output) out.push_back(first_k(m, k));
    return out;
  }
  json out = json::array();
  for (size_t i = 0; i < k && i < output.size(); ++i) out.push_back(output[i]);
  return out;
}

TEST(ServerHeads, FillMaskMatchesGoldenAndTheHeadApi) {
  HeadServer s("mlm");
  ASSERT_GT(s.port, 0) << s.process.stderr_text();
  expect_info(s, "masked-language-model", nullptr);
  auto model = Model::load(s.dir);
  MaskFiller api(*model);
  json inputs = json::array(), want = json::array();
  for (const json& g : head_golden("mlm")) {
    const std::string text = g["input"]["text"];
    const Answer a = s.post_json("/fill-mask", json{{"inputs", text}, {"top_k", g["top_k"]}});
    ASSERT_EQ(a.status, 200) << a.body;
    expect_json_near(a.json(), g["output"], text);
    inputs.push_back(text);
    want.push_back(first_k(g["output"], 1));

    const auto r = api.fill({text}, g["top_k"].get<int>(), false)[0];
    const json got = r.predictions.size() == 1 ? json::array({a.json()}) : a.json();
    ASSERT_EQ(got.size(), r.predictions.size());
    for (size_t m = 0; m < got.size(); ++m) {
      ASSERT_EQ(got[m].size(), r.predictions[m].size());
      for (size_t k = 0; k < got[m].size(); ++k) {
        EXPECT_EQ(got[m][k]["token"], r.predictions[m][k].token);
        EXPECT_EQ(got[m][k]["token_str"], r.predictions[m][k].token_str);
        EXPECT_EQ(got[m][k]["sequence"], r.predictions[m][k].sequence);
        EXPECT_NEAR(got[m][k]["score"].get<double>(), r.predictions[m][k].score, 1e-5);
      }
    }
  }
  const Answer all = s.post_json("/fill-mask", json{{"inputs", inputs}, {"top_k", 1}});
  ASSERT_EQ(all.status, 200) << all.body;
  expect_json_near(all.json(), want, "listed inputs, top_k 1");
}

// A request of more tokens than --max-batch-tokens runs in several head calls; answers (and the
// index an error names) are those of the whole list.
TEST(ServerHeads, LargeRequestsRunInChunksWithTheSameAnswers) {
  const std::vector<std::string> small_batches = {"--max-batch-tokens", "128"};
  {
    HeadServer s("cls-single", small_batches);
    ASSERT_GT(s.port, 0) << s.process.stderr_text();
    json inputs = json::array(), want = json::array();
    for (int rep = 0; rep < 6; ++rep) {
      for (const json& g : head_golden("cls-single")) {
        const json& in = g["input"];
        inputs.push_back(in.contains("text_pair") ? json::array({in["text"], in["text_pair"]})
                                                  : in["text"]);
        want.push_back(g["output"]);
      }
    }
    const Answer a = s.post_json("/predict", json{{"inputs", inputs}});
    ASSERT_EQ(a.status, 200) << a.body;
    expect_json_near(a.json(), want, "30 inputs in chunks");
  }
  {
    HeadServer s("ner-bio", small_batches);
    ASSERT_GT(s.port, 0) << s.process.stderr_text();
    json inputs = json::array(), want = json::array();
    for (int rep = 0; rep < 5; ++rep) {
      for (const json& g : head_golden("ner-bio")) {
        inputs.push_back(g["input"]["text"]);
        want.push_back(g["output"]["first"]);
      }
    }
    const Answer a =
        s.post_json("/ner", json{{"inputs", inputs}, {"aggregation_strategy", "first"}});
    ASSERT_EQ(a.status, 200) << a.body;
    expect_json_near(a.json(), want, "20 inputs in chunks");
  }
  HeadServer s("mlm", small_batches);
  ASSERT_GT(s.port, 0) << s.process.stderr_text();
  const auto gold = head_golden("mlm");
  json inputs = json::array(), want = json::array();
  for (int rep = 0; rep < 6; ++rep) {
    for (const json& g : gold) {
      inputs.push_back(g["input"]["text"]);
      want.push_back(first_k(g["output"], 1));
    }
  }
  const Answer a = s.post_json("/fill-mask", json{{"inputs", inputs}, {"top_k", 1}});
  ASSERT_EQ(a.status, 200) << a.body;
  expect_json_near(a.json(), want, "24 inputs in chunks");
  inputs[22] = "no mask here";
  expect_error(s.post_json("/fill-mask", json{{"inputs", inputs}}), 400, "validation",
               "inputs[22]: no mask token");
}

}  // namespace
}  // namespace lightbert::testing
