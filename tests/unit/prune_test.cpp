// tests/unit/prune_test.cpp: head pruning, layer keeping and head importance against the
// PyTorch reference of tools/prune_reference.py (tests/data/prune/golden.json: Hugging Face's
// prune_heads slicing, cross-checked with head_mask, in float64), plus the spec parsers and
// every refusal (all heads of a layer, unknown layer / head, bad layer lists).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "kernels/kernels.h"
#include "lightbert/error.h"
#include "models/bert.h"
#include "models/encoder_transforms.h"
#include "models/head_importance.h"
#include "models/model_families.h"
#include "support/test_paths.h"

namespace lightbert {
namespace {

using nlohmann::json;
using testing::read_file;
using testing::test_data;

const json& golden() {
  static const json g = json::parse(read_file(test_data("prune/golden.json")));
  return g;
}

SequenceBatch golden_batch() {
  const json& b = golden()["batch"];
  SequenceBatch batch;
  batch.input_ids = b["input_ids"].get<std::vector<int32_t>>();
  batch.token_type_ids = b["token_type_ids"].get<std::vector<int32_t>>();
  batch.lengths = b["lengths"].get<std::vector<int32_t>>();
  return batch;
}

struct Loaded {
  ModelConfig config;
  models::EncoderTensors tensors;
};

Loaded load(const std::string& folder) {
  const std::string dir = test_data("prune/" + folder);
  Loaded l;
  l.config = ModelConfig::from_json_file(dir + "/config.json");
  l.tensors = models::read_encoder_tensors(formats::Checkpoint::open_folder(dir), l.config);
  return l;
}

std::map<int, std::vector<int>> head_map(const json& j) {
  std::map<int, std::vector<int>> out;
  for (const auto& [layer, heads] : j.items())
    out[std::stoi(layer)] = heads.get<std::vector<int>>();
  return out;
}

float max_abs_diff(const std::vector<float>& got, const json& want) {
  EXPECT_EQ(got.size(), want.size());
  float m = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    m = std::max(m, std::fabs(got[i] - want[i].get<float>()));
  }
  return m;
}

TEST(Prune, EveryGoldenCaseMatchesPyTorch) {
  const SequenceBatch batch = golden_batch();
  ASSERT_GE(golden()["cases"].size(), 9u);
  for (const json& c : golden()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Loaded l = load(c["model"]);
    for (const json& t : c["transforms"]) {
      if (t.contains("prune")) {
        models::prune_heads(l.tensors, l.config, head_map(t["prune"]));
      } else {
        models::keep_layers(l.tensors, l.config, t["keep"].get<std::vector<int>>());
      }
    }
    EXPECT_EQ(l.config.num_hidden_layers, c["num_hidden_layers"].get<int>());
    EXPECT_EQ(l.config.pruned_heads, head_map(c["pruned_heads"]));
    for (const kernels::KernelTable* table : kernels::every_kernel_variant()) {
      SCOPED_TRACE(table->name);
      auto model = models::BertModel::from_tensors(l.config, l.tensors, *table, 1,
                                                   kernels::WeightDtype::kF32);
      EncoderOutput out;
      model->forward(batch, out);
      EXPECT_LE(max_abs_diff(out.last_hidden_state, c["last_hidden_state"]), 1e-4f);
      EXPECT_LE(max_abs_diff(out.pooler_output, c["pooler_output"]), 1e-4f);
    }
  }
}

TEST(Prune, HuggingFacePrunedFolderLoadsAsSaved) {
  // config.json "pruned_heads" + the smaller attention tensors, read by BertModel::load.
  const json* want = nullptr;
  for (const json& c : golden()["cases"]) {
    if (c["name"] == "pruned_folder") want = &c;
  }
  ASSERT_NE(want, nullptr);
  auto model =
      models::BertModel::load(test_data("prune/six-layer-pruned"), kernels::active_kernels(), 1);
  EXPECT_EQ(model->config().heads_in_layer(1), 2);
  EXPECT_EQ(model->config().heads_in_layer(3), 3);
  EncoderOutput out;
  model->forward(golden_batch(), out);
  EXPECT_LE(max_abs_diff(out.last_hidden_state, (*want)["last_hidden_state"]), 1e-4f);
}

TEST(Prune, RefusesBadRequests) {
  Loaded l = load("six-layer");
  auto code = [&](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  };
  EXPECT_EQ(code([&] {
              models::prune_heads(l.tensors, l.config, {{1, {0, 1, 2, 3}}});
            }),
            ErrorCode::kUnsupported);
  EXPECT_EQ(code([&] {
              models::prune_heads(l.tensors, l.config, {{6, {0}}});
            }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([&] {
              models::prune_heads(l.tensors, l.config, {{0, {4}}});
            }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([&] { models::keep_layers(l.tensors, l.config, {}); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([&] {
              models::keep_layers(l.tensors, l.config, {2, 1});
            }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([&] {
              models::keep_layers(l.tensors, l.config, {0, 0});
            }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([&] {
              models::keep_layers(l.tensors, l.config, {0, 6});
            }),
            ErrorCode::kInvalidArgument);
  // Pruning in two steps so that together every head goes is refused too.
  models::prune_heads(l.tensors, l.config, {{2, {0, 1}}});
  EXPECT_EQ(code([&] {
              models::prune_heads(l.tensors, l.config, {{2, {2, 3}}});
            }),
            ErrorCode::kUnsupported);
  // Nothing was changed by the refusals.
  EXPECT_EQ(l.config.num_hidden_layers, 6);
  EXPECT_EQ(l.config.pruned_heads, (std::map<int, std::vector<int>>{{2, {0, 1}}}));
  EXPECT_EQ(l.tensors.layers[2].num_heads, 2);
}

TEST(Prune, ParsesSpecs) {
  EXPECT_EQ(models::parse_head_spec("0:1,3;5:2"),
            (std::map<int, std::vector<int>>{{0, {1, 3}}, {5, {2}}}));
  EXPECT_EQ(models::parse_head_spec("2:0;"), (std::map<int, std::vector<int>>{{2, {0}}}));
  EXPECT_EQ(models::parse_layer_list("0,2,4"), (std::vector<int>{0, 2, 4}));
  for (const char* bad : {"", "1", "a:1", "1:", "1:x", "1:-2", ":3", "1:2,,3"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(models::parse_head_spec(bad), Error);
  }
  for (const char* bad : {"", "a", "1,,2", "-1", "1;2"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(models::parse_layer_list(bad), Error);
  }
}

TEST(HeadImportance, MatchesHeadMaskAblationInPyTorch) {
  Loaded l = load("six-layer");
  const auto scores = models::measure_head_importance(l.config, l.tensors, golden_batch(),
                                                      kernels::active_kernels(), 1);
  const json& want = golden()["importance"];
  ASSERT_EQ(scores.size(), want.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    EXPECT_EQ(scores[i].layer, want[i]["layer"].get<int>());
    EXPECT_EQ(scores[i].head, want[i]["head"].get<int>());
    EXPECT_NEAR(scores[i].importance, want[i]["importance"].get<double>(), 2e-5) << i;
  }
}

TEST(HeadImportance, ReportsOriginalIndexesOfAPrunedModel) {
  Loaded l = load("six-layer-pruned");  // layer 1 keeps heads 1, 3; layer 3 keeps 0, 1, 2
  const auto scores = models::measure_head_importance(l.config, l.tensors, golden_batch(),
                                                      kernels::active_kernels(), 1);
  ASSERT_EQ(scores.size(), 21u);
  EXPECT_EQ(scores[4].layer, 1);
  EXPECT_EQ(scores[4].head, 1);
  EXPECT_EQ(scores[5].head, 3);
  EXPECT_EQ(scores[6].layer, 2);
}

TEST(HeadImportance, ChoosesTheLeastImportantButNeverALayersLastHead) {
  // From the PyTorch scores: the lowest floor(0.25 * 24) = 6.
  const ModelConfig cfg = load("six-layer").config;
  std::vector<models::HeadScore> scores;
  for (const json& s : golden()["importance"]) {
    scores.push_back({s["layer"].get<int>(), s["head"].get<int>(), s["importance"].get<double>()});
  }
  std::vector<models::HeadScore> sorted = scores;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.importance < b.importance; });
  std::map<int, std::vector<int>> want;
  for (size_t i = 0; i < 6; ++i) want[sorted[i].layer].push_back(sorted[i].head);
  for (auto& [layer, heads] : want) std::sort(heads.begin(), heads.end());
  EXPECT_EQ(models::choose_heads_to_prune(scores, cfg, 0.25), want);
  EXPECT_TRUE(models::choose_heads_to_prune(scores, cfg, 0.0).empty());

  // Layer 0's heads are the least important of all: it still keeps one.
  for (auto& s : scores) s.importance = s.layer == 0 ? 0.001 * s.head : 1.0 + s.importance;
  const auto chosen = models::choose_heads_to_prune(scores, cfg, 0.2);  // 4 heads
  EXPECT_EQ(chosen.at(0), (std::vector<int>{0, 1, 2}));
  size_t total = 0;
  for (const auto& [layer, heads] : chosen) total += heads.size();
  EXPECT_EQ(total, 4u);
  EXPECT_THROW(models::choose_heads_to_prune(scores, cfg, 1.0), Error);
  EXPECT_THROW(models::choose_heads_to_prune(scores, cfg, -0.1), Error);
}

}  // namespace
}  // namespace lightbert
