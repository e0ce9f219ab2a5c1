// tests/unit/families_test.cpp: the non-BERT families (RoBERTa / XLM-R, DistilBERT, ELECTRA,
// ALBERT) loaded from their Hugging Face layouts (tests/data/families/*, written by
// tools/make_family_models.py) against golden outputs of the independent PyTorch reference
// (tools/family_reference.py, HF modeling_<family>.py math, float64, padded + masked), and
// CamemBERT's (camembert*, one row of the family table) against transformers' own Camembert
// classes (tools/make_hf_family_models.py: hidden states, pooler, classification and masked-LM
// logits at every token), on every kernel table this CPU runs; family-specific input rules (RoBERTa's shorter maximum length,
// DistilBERT ignoring token types); config and checkpoint errors naming the field or tensor.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "support/kernel_variants.h"
#include "heads/classification.h"
#include "heads/fill_mask.h"
#include "kernels/kernels.h"
#include "lightbert/config.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "models/bert.h"
#include "models/model_source.h"
#include "support/test_paths.h"

namespace lightbert {
namespace {

using testing::read_file;
using testing::test_data;
using testing::write_file;

const char* const kFixtures[] = {"roberta",     "distilbert",     "distilbert-sinusoidal",
                                 "electra",     "albert",         "roberta-cls",
                                 "electra-cls", "distilbert-cls", "albert-cls",
                                 "camembert",   "camembert-cls",  "camembert-mlm"};

struct GoldenCase {
  std::string name;
  SequenceBatch batch;
  std::vector<float> hidden, pooler;  // pooler empty when the family has none
  std::vector<float> logits;          // *-cls fixtures: [B, labels]
  std::vector<float> mlm_logits;      // *-mlm fixtures: [tokens, V] at every real token
};

std::vector<GoldenCase> golden_cases(const std::string& fixture) {
  const std::string dir = test_data("families/" + fixture + "/golden");
  const auto index = nlohmann::json::parse(read_file(dir + "/index.json"));
  const std::string blob = read_file(dir + "/golden.f32");
  auto slice = [&](const nlohmann::json& e) {
    size_t count = 1;
    for (auto d : e["shape"]) count *= d.get<size_t>();
    std::vector<float> v(count);
    std::memcpy(v.data(), blob.data() + e["offset"].get<size_t>() * 4, count * 4);
    return v;
  };
  std::vector<GoldenCase> cases;
  for (const auto& c : index["cases"]) {
    GoldenCase g;
    g.name = c["name"];
    g.batch.input_ids = c["input_ids"].get<std::vector<int32_t>>();
    g.batch.token_type_ids = c["token_type_ids"].get<std::vector<int32_t>>();
    g.batch.lengths = c["lengths"].get<std::vector<int32_t>>();
    g.hidden = slice(c["last_hidden_state"]);
    if (c.contains("pooler_output")) g.pooler = slice(c["pooler_output"]);
    if (c.contains("logits")) g.logits = slice(c["logits"]);
    if (c.contains("mlm_logits")) g.mlm_logits = slice(c["mlm_logits"]);
    cases.push_back(std::move(g));
  }
  return cases;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!std::isfinite(a[i])) return INFINITY;
    m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  return m;
}

// A temporary copy of a fixture folder, removed with the object.
struct TempModel {
  std::string dir;
  explicit TempModel(const std::string& fixture) : dir(testing::make_temp_dir("fam-" + fixture)) {
    const std::string src = test_data("families/" + fixture);
    write_file(dir + "/config.json", read_file(src + "/config.json"));
    write_file(dir + "/model.safetensors", read_file(src + "/model.safetensors"));
  }
  ~TempModel() { std::filesystem::remove_all(dir); }
  nlohmann::json config() const { return nlohmann::json::parse(read_file(dir + "/config.json")); }
  void set_config(const nlohmann::json& c) const { write_file(dir + "/config.json", c.dump()); }

  // Rewrites model.safetensors' header: each name through `rename` ("" drops the tensor; its
  // bytes stay in the data section, which safetensors allows as long as ranges do not overlap).
  template <typename F>
  void edit_names(F rename) const {
    const std::string path = dir + "/model.safetensors";
    const std::string bytes = read_file(path);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    const auto header = nlohmann::json::parse(bytes.substr(8, n));
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, info] : header.items()) {
      if (name == "__metadata__") {
        out[name] = info;
        continue;
      }
      const std::string to = rename(name);
      if (!to.empty()) out[to] = info;
    }
    std::string text = out.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const uint64_t len = text.size();
    std::string file(8, '\0');
    std::memcpy(file.data(), &len, 8);
    write_file(path, file + text + bytes.substr(8 + n));
  }
};

// Runs `batch` through the model in `dir` and compares with the golden case.
void expect_matches(const std::string& dir, const kernels::KernelTable& table, int threads,
                    const SequenceBatch& batch, const GoldenCase& g, const std::string& what) {
  auto model = models::BertModel::load(dir, table, threads);
  EXPECT_EQ(model->has_pooler(), !g.pooler.empty()) << what;
  EncoderOutput out;
  model->forward(batch, out);
  const double dh = max_abs_diff(out.last_hidden_state, g.hidden);
  EXPECT_LE(dh, 1e-4) << what;
  const double dp = g.pooler.empty() ? 0.0 : max_abs_diff(out.pooler_output, g.pooler);
  if (!g.pooler.empty()) {
    EXPECT_LE(dp, 1e-4) << what;
  }
  std::printf("[families] %s: last_hidden_state max abs diff %.3g, pooler %.3g\n", what.c_str(), dh,
              dp);
  if (g.pooler.empty()) {
    EXPECT_TRUE(out.pooler_output.empty()) << what;
  }
}

class FamilyGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyGoldenTest, EveryFixtureMatchesPyTorchWithin1e4) {
  const kernels::KernelTable& table = kernels::kernels_by_name(GetParam());
  for (const char* fixture : kFixtures) {
    for (const GoldenCase& g : golden_cases(fixture)) {
      for (int threads : {1, 2}) {
        expect_matches(test_data(std::string("families/") + fixture), table, threads, g.batch, g,
                       GetParam() + " " + fixture + " " + g.name + " t" + std::to_string(threads));
      }
    }
  }
}

// XLM-RoBERTa is RoBERTa's code under another model_type.
TEST_P(FamilyGoldenTest, XlmRobertaIsRoberta) {
  TempModel m("roberta");
  auto cfg = m.config();
  cfg["model_type"] = "xlm-roberta";
  cfg["architectures"] = {"XLMRobertaForMaskedLM"};
  m.set_config(cfg);
  const GoldenCase g = golden_cases("roberta")[0];
  expect_matches(m.dir, kernels::kernels_by_name(GetParam()), 2, g.batch, g, "xlm-roberta");
}

// Checkpoints saved from the bare base model (sentence-transformers) have no prefix.
TEST_P(FamilyGoldenTest, UnprefixedCheckpointsLoad) {
  for (const std::string fixture : {"distilbert", "albert"}) {
    TempModel m(fixture);
    const std::string prefix = fixture + ".";
    m.edit_names([&](const std::string& name) {
      return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : "";
    });
    const GoldenCase g = golden_cases(fixture)[0];
    expect_matches(m.dir, kernels::kernels_by_name(GetParam()), 1, g.batch, g, fixture);
  }
}

// Each family's *ForSequenceClassification head on the encoder's output: RoBERTa / ELECTRA /
// DistilBERT read the first token's state (their checkpoints have no pooler), ALBERT the pooler.
TEST_P(FamilyGoldenTest, SequenceClassificationHeadsMatchPyTorch) {
  const kernels::KernelTable& table = kernels::kernels_by_name(GetParam());
  for (const std::string family : {"roberta", "electra", "distilbert", "albert", "camembert"}) {
    const std::string dir = test_data("families/" + family + "-cls");
    const GoldenCase g = golden_cases(family + "-cls")[0];
    const models::ModelSource source = models::ModelSource::open(dir);
    auto model = source.load_encoder(table, 1, kernels::WeightDtype::kF32);
    const auto head = heads::ClassificationHead::load(source.head_checkpoint(), dir, model->config(),
                                                     model->has_pooler(), model->kernels());
    EXPECT_EQ(head.uses_pooler, family == "albert") << family;
    ASSERT_EQ(head.labels, (std::vector<std::string>{"neg", "neu", "pos"})) << family;
    EncoderOutput out;
    model->forward(g.batch, out);
    const size_t n = g.batch.lengths.size(), h = static_cast<size_t>(out.hidden_size);
    ASSERT_EQ(g.logits.size(), n * 3);
    std::vector<float> rows(n * h), logits(n * 3), scores(n * 3);
    for (size_t s = 0; s < n; ++s) {
      const float* in = head.uses_pooler ? out.pooler_output.data() + s * h : out.token(s, 0);
      std::copy(in, in + h, rows.data() + s * h);
    }
    const auto nr = static_cast<int64_t>(n), hs = static_cast<int64_t>(h);
    head.run(model->context(), tensor::ConstMatrixView{rows.data(), nr, hs, hs}, logits.data(),
             scores.data());
    for (size_t s = 0; s < n; ++s) {
      EXPECT_NEAR(scores[3 * s] + scores[3 * s + 1] + scores[3 * s + 2], 1.0, 1e-6);
    }
    const double d = max_abs_diff(logits, g.logits);
    EXPECT_LE(d, 1e-4) << GetParam() << " " << family;
    std::printf("[families] %s %s-cls: classification logits max abs diff %.3g\n",
                GetParam().c_str(), family.c_str(), d);
  }
}

// The *ForMaskedLM head at every token of the fixtures made by transformers' own classes
// (tools/make_hf_family_models.py), the decoder tied to the word embeddings.
TEST_P(FamilyGoldenTest, MaskedLmHeadsMatchTransformers) {
  const kernels::KernelTable& table = kernels::kernels_by_name(GetParam());
  for (const std::string family : {"camembert"}) {
    const std::string dir = test_data("families/" + family + "-mlm");
    const GoldenCase g = golden_cases(family + "-mlm")[0];
    const models::ModelSource source = models::ModelSource::open(dir);
    auto model = source.load_encoder(table, 1, kernels::WeightDtype::kF32);
    const auto head =
        heads::MaskedLmHead::load(source.head_checkpoint(), dir, model->config(), model->kernels());
    EncoderOutput out;
    model->forward(g.batch, out);
    const size_t v = static_cast<size_t>(model->config().vocab_size);
    const size_t tokens = g.batch.input_ids.size(), h = static_cast<size_t>(out.hidden_size);
    ASSERT_EQ(g.mlm_logits.size(), tokens * v);
    std::vector<const float*> rows;
    std::vector<float*> outs;
    std::vector<float> logits(tokens * v);
    for (size_t t = 0; t < tokens; ++t) {
      rows.push_back(out.last_hidden_state.data() + t * h);
      outs.push_back(logits.data() + t * v);
    }
    head.logits(model->context(), rows, outs);
    const double d = max_abs_diff(logits, g.mlm_logits);
    EXPECT_LE(d, 1e-4) << GetParam() << " " << family;
    std::printf("[families] %s %s-mlm: masked-LM logits max abs diff %.3g\n", GetParam().c_str(),
                family.c_str(), d);
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, FamilyGoldenTest, ::testing::ValuesIn(test::test_variant_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return test::variant_test_name(info.param);
                         });

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorCode::kInternal, "");
}

void expect_error(const Error& e, ErrorCode code, const std::vector<std::string>& parts) {
  EXPECT_EQ(e.code(), code) << e.what();
  for (const auto& p : parts)
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << "'" << p << "' in " << e.what();
}

// RoBERTa's positions start at pad_token_id + 1 = 2: 38 of the 40 rows are usable.
TEST(Families, RobertaMaximumLengthIsShorterByThePositionOffset) {
  auto enc = Encoder::load(test_data("families/roberta"), EncoderOptions{1});
  EXPECT_EQ(enc->config().position_offset, 2);
  EXPECT_EQ(enc->config().max_input_length(), 38);
  EncoderOutput out;
  SequenceBatch b;
  b.add(std::vector<int32_t>(38, 5));
  EXPECT_NO_THROW(enc->forward(b, out));
  b.add(std::vector<int32_t>(39, 5));
  expect_error(error_of([&] { enc->forward(b, out); }), ErrorCode::kOutOfRange,
               {"sequence 1", "length 39", "maximum length 38", "max_position_embeddings 40"});
}

// Explicit all-zero token types (type_vocab_size 1) give RoBERTa's default; DistilBERT has no
// token-type table and ignores whatever types come with the input.
TEST(Families, TokenTypesRobertaZerosAndDistilbertIgnored) {
  for (const std::string fixture : {"roberta", "distilbert"}) {
    GoldenCase g = golden_cases(fixture)[0];
    ASSERT_TRUE(g.batch.token_type_ids.empty());
    g.batch.token_type_ids.assign(g.batch.input_ids.size(), 0);
    if (fixture == "distilbert") {
      for (size_t i = 0; i < g.batch.token_type_ids.size(); i += 3) g.batch.token_type_ids[i] = 1;
    }
    auto enc = Encoder::load(test_data("families/" + fixture), EncoderOptions{1});
    EncoderOutput out;
    enc->forward(g.batch, out);
    EXPECT_LE(max_abs_diff(out.last_hidden_state, g.hidden), 1e-4) << fixture;
  }
  auto roberta = Encoder::load(test_data("families/roberta"), EncoderOptions{1});
  SequenceBatch b;
  b.add({0, 5, 2}, {0, 1, 0});
  EncoderOutput out;
  expect_error(error_of([&] { roberta->forward(b, out); }), ErrorCode::kOutOfRange,
               {"token type 1", "[0, 1)"});
}

TEST(Families, ConfigsMapTheFamilyFields) {
  auto cfg = [](const std::string& f) {
    return ModelConfig::from_json_file(test_data("families/" + f + "/config.json"));
  };
  const ModelConfig d = cfg("distilbert");
  EXPECT_EQ(d.model_type, "distilbert");
  EXPECT_EQ(d.hidden_size, 32);
  EXPECT_EQ(d.num_hidden_layers, 2);
  EXPECT_EQ(d.num_attention_heads, 4);
  EXPECT_EQ(d.intermediate_size, 64);
  EXPECT_EQ(d.type_vocab_size, 0);
  EXPECT_FLOAT_EQ(d.layer_norm_eps, 1e-12f);
  EXPECT_FALSE(d.sinusoidal_pos_embds);
  EXPECT_TRUE(cfg("distilbert-sinusoidal").sinusoidal_pos_embds);
  EXPECT_EQ(cfg("distilbert-sinusoidal").hidden_act, Activation::kRelu);
  const ModelConfig e = cfg("electra");
  EXPECT_EQ(e.embedding_size, 16);
  EXPECT_EQ(e.hidden_size, 32);
  const ModelConfig a = cfg("albert");
  EXPECT_EQ(a.num_hidden_groups, 2);
  EXPECT_EQ(a.inner_group_num, 2);
  EXPECT_EQ(a.num_distinct_layers(), 4);
  EXPECT_EQ(a.hidden_act, Activation::kGeluNew);
  const ModelConfig r = cfg("roberta");
  EXPECT_EQ(r.embedding_size, 32);
  EXPECT_EQ(r.position_offset, 2);
  EXPECT_FLOAT_EQ(r.layer_norm_eps, 1e-5f);
  // Family defaults (HF config classes) when fields are absent.
  const ModelConfig ad = ModelConfig::from_json_string(R"({"model_type":"albert"})", "c.json");
  EXPECT_EQ(ad.hidden_size, 4096);
  EXPECT_EQ(ad.embedding_size, 128);
  EXPECT_EQ(ad.vocab_size, 30000);
  EXPECT_EQ(ad.hidden_act, Activation::kGeluNew);
  const ModelConfig rd = ModelConfig::from_json_string(R"({"model_type":"roberta"})", "c.json");
  EXPECT_EQ(rd.pad_token_id, 1);
  EXPECT_EQ(rd.vocab_size, 50265);
  EXPECT_EQ(rd.max_input_length(), 510);
  const ModelConfig ed = ModelConfig::from_json_string(R"({"model_type":"electra"})", "c.json");
  EXPECT_EQ(ed.embedding_size, 128);
  EXPECT_EQ(ed.hidden_size, 256);
  EXPECT_EQ(ed.num_attention_heads, 4);
}

TEST(Families, ConfigErrorsNameTheField) {
  auto parse = [](const std::string& text) {
    return error_of([&] { ModelConfig::from_json_string(text, "dir/config.json"); });
  };
  const std::string distil = R"({"model_type":"distilbert","dim":32,"n_layers":2,"n_heads":4,)"
                             R"("hidden_dim":64})";
  EXPECT_NO_THROW(ModelConfig::from_json_string(distil, "c.json"));
  for (const char* field : {"dim", "n_layers", "n_heads", "hidden_dim"}) {
    auto j = nlohmann::json::parse(distil);
    j.erase(field);
    expect_error(parse(j.dump()), ErrorCode::kFormat,
                 {"dir/config.json", std::string("field '") + field + "'", "missing"});
  }
  auto j = nlohmann::json::parse(distil);
  j["n_heads"] = 5;
  expect_error(parse(j.dump()), ErrorCode::kFormat, {"'dim'", "n_heads"});
  j = nlohmann::json::parse(distil);
  j["activation"] = "swish";
  expect_error(parse(j.dump()), ErrorCode::kUnsupported, {"field 'activation'", "swish"});
  j = nlohmann::json::parse(distil);
  j["sinusoidal_pos_embds"] = "yes";
  expect_error(parse(j.dump()), ErrorCode::kFormat, {"field 'sinusoidal_pos_embds'"});
  expect_error(parse(R"({"model_type":"gpt2"})"), ErrorCode::kUnsupported,
               {"dir/config.json", "field 'model_type'", "gpt2", "roberta", "distilbert"});
  expect_error(parse(R"({"model_type":"albert","num_hidden_groups":0})"), ErrorCode::kFormat,
               {"field 'num_hidden_groups'"});
  expect_error(parse(R"({"model_type":"electra","embedding_size":-1})"), ErrorCode::kFormat,
               {"field 'embedding_size'"});
  expect_error(parse(R"({"model_type":"roberta","max_position_embeddings":2})"), ErrorCode::kFormat,
               {"field 'max_position_embeddings'", "pad_token_id + 1"});
}

TEST(Families, MissingTensorsAreNamed) {
  {
    TempModel m("albert");
    const std::string gone = "albert.encoder.albert_layer_groups.1.albert_layers.1.ffn.weight";
    m.edit_names([&](const std::string& n) { return n == gone ? std::string() : n; });
    expect_error(error_of([&] { Encoder::load(m.dir); }), ErrorCode::kNotFound,
                 {"encoder.albert_layer_groups.1.albert_layers.1.ffn.weight"});
  }
  {
    TempModel m("roberta");
    m.edit_names(
        [](const std::string& n) { return n == "roberta.pooler.dense.bias" ? std::string() : n; });
    expect_error(error_of([&] { Encoder::load(m.dir); }), ErrorCode::kNotFound,
                 {"pooler.dense.bias"});
  }
  {
    TempModel m("electra");  // embedding_size 16 != hidden 32 needs the projection
    m.edit_names([](const std::string& n) {
      return n.find("embeddings_project") != std::string::npos ? std::string() : n;
    });
    expect_error(error_of([&] { Encoder::load(m.dir); }), ErrorCode::kNotFound,
                 {"embeddings_project.weight"});
  }
  {
    TempModel m("distilbert");  // not sinusoidal: the position table is required
    m.edit_names([](const std::string& n) {
      return n.find("position_embeddings") != std::string::npos ? std::string() : n;
    });
    expect_error(error_of([&] { Encoder::load(m.dir); }), ErrorCode::kNotFound,
                 {"embeddings.position_embeddings.weight"});
  }
}

}  // namespace
}  // namespace lightbert
