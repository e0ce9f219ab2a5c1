// tests/unit/encoder_variants_test.cpp: checkpoint variants of the tiny model, derived here by
// rewriting the committed model.safetensors: no pooler weights, "bert."-prefixed names with the
// old LayerNorm.gamma/beta spellings, and broken checkpoints (missing tensor, wrong shapes, a
// config that disagrees with the tensors), each giving the PyTorch golden outputs or an Error
// that names the tensor.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "models/bert.h"
#include "support/test_paths.h"

namespace lightbert {
namespace {

using testing::read_file;
using testing::test_data;

struct RawTensor {
  nlohmann::json info;  // dtype, shape
  std::string bytes;
};

std::map<std::string, RawTensor> read_safetensors(const std::string& path) {
  const std::string file = read_file(path);
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  const auto header = nlohmann::json::parse(file.substr(8, n));
  std::map<std::string, RawTensor> out;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    const size_t b = info["data_offsets"][0], e = info["data_offsets"][1];
    out[name] = {{{"dtype", info["dtype"]}, {"shape", info["shape"]}},
                 file.substr(8 + n + b, e - b)};
  }
  return out;
}

void write_safetensors(const std::string& path, const std::map<std::string, RawTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, t] : tensors) {
    nlohmann::json info = t.info;
    info["data_offsets"] = {data.size(), data.size() + t.bytes.size()};
    header[name] = info;
    data += t.bytes;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  const uint64_t n = h.size();
  std::string file(reinterpret_cast<const char*>(&n), 8);
  testing::write_file(path, file + h + data);
}

// A temporary model folder, removed with the object.
struct TempModel {
  std::string dir;
  ~TempModel() { std::filesystem::remove_all(dir); }
  operator const std::string&() const { return dir; }  // NOLINT(google-explicit-constructor)
};

// A model folder: the tiny model's config (edited by `cfg`) and tensors (edited by `edit`).
TempModel variant(const std::string& tag,
                  const std::function<void(std::map<std::string, RawTensor>&)>& edit,
                  const std::function<void(nlohmann::json&)>& cfg = nullptr) {
  const std::string src = test_data("tiny-bert");
  const std::string dir = testing::make_temp_dir(tag);
  auto config = nlohmann::json::parse(read_file(src + "/config.json"));
  if (cfg) cfg(config);
  testing::write_file(dir + "/config.json", config.dump());
  auto tensors = read_safetensors(src + "/model.safetensors");
  edit(tensors);
  write_safetensors(dir + "/model.safetensors", tensors);
  return TempModel{dir};
}

struct Golden {
  SequenceBatch batch;
  std::vector<float> hidden, pooler;
};

Golden golden_ragged() {
  const std::string dir = test_data("tiny-bert/golden");
  const auto c = nlohmann::json::parse(read_file(dir + "/index.json"))["cases"][0];
  const std::string blob = read_file(dir + "/golden.f32");
  Golden g;
  g.batch.input_ids = c["input_ids"].get<std::vector<int32_t>>();
  g.batch.lengths = c["lengths"].get<std::vector<int32_t>>();
  auto slice = [&](const nlohmann::json& e) {
    const size_t count = e["shape"][0].get<size_t>() * e["shape"][1].get<size_t>();
    std::vector<float> v(count);
    std::memcpy(v.data(), blob.data() + e["offset"].get<size_t>() * 4, count * 4);
    return v;
  };
  g.hidden = slice(c["last_hidden_state"]);
  g.pooler = slice(c["pooler_output"]);
  return g;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  return m;
}

// Loading must fail with an Error whose message contains every part.
void expect_load_error(const std::string& dir, std::vector<std::string> parts) {
  try {
    Encoder::load(dir, EncoderOptions{1});
    ADD_FAILURE() << "no error, expected one mentioning " << parts[0];
  } catch (const Error& e) {
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(EncoderVariants, NoPoolerWeights) {
  const TempModel dir = variant("nopool", [](auto& t) {
    t.erase("pooler.dense.weight");
    t.erase("pooler.dense.bias");
  });
  const Golden g = golden_ragged();
  for (const kernels::KernelTable* table : kernels::every_kernel_variant()) {
    auto model = models::BertModel::load(dir.dir, *table, 2);
    EXPECT_FALSE(model->has_pooler());
    EncoderOutput out;
    out.pooler_output.assign(7, 1.0f);  // stale content must go
    model->forward(g.batch, out);
    EXPECT_TRUE(out.pooler_output.empty());
    EXPECT_LE(max_abs_diff(out.last_hidden_state, g.hidden), 1e-4) << table->name;
  }
}

TEST(EncoderVariants, BertPrefixAndGammaBetaNames) {
  const TempModel dir = variant("prefixed", [](auto& t) {
    std::map<std::string, RawTensor> renamed;
    for (auto& [name, v] : t) {
      std::string n = "bert." + name;
      for (auto [from, to] : {std::pair{"LayerNorm.weight", "LayerNorm.gamma"},
                              std::pair{"LayerNorm.bias", "LayerNorm.beta"}}) {
        const size_t at = n.find(from);
        if (at != std::string::npos) n.replace(at, std::strlen(from), to);
      }
      renamed[n] = v;
    }
    renamed["cls.predictions.bias"] = t["pooler.dense.bias"];  // an unused head tensor
    t = renamed;
  });
  const Golden g = golden_ragged();
  for (const kernels::KernelTable* table : kernels::every_kernel_variant()) {
    auto model = models::BertModel::load(dir.dir, *table, 2);
    EXPECT_TRUE(model->has_pooler());
    EncoderOutput out;
    model->forward(g.batch, out);
    EXPECT_LE(max_abs_diff(out.last_hidden_state, g.hidden), 1e-4) << table->name;
    EXPECT_LE(max_abs_diff(out.pooler_output, g.pooler), 1e-4) << table->name;
  }
}

TEST(EncoderVariants, HalfAPoolerIsAnError) {
  expect_load_error(variant("halfpool", [](auto& t) { t.erase("pooler.dense.bias"); }),
                    {"pooler.dense.bias"});
}

TEST(EncoderVariants, MissingTensorIsNamed) {
  expect_load_error(
      variant("missing", [](auto& t) { t.erase("encoder.layer.1.attention.self.value.weight"); }),
      {"encoder.layer.1.attention.self.value.weight"});
}

TEST(EncoderVariants, WrongShapeIsNamed) {
  // The FFN weights swapped: [64, 32] and [32, 64] each in the other's place.
  const TempModel dir = variant("swapped", [](auto& t) {
    std::swap(t["encoder.layer.0.intermediate.dense.weight"],
              t["encoder.layer.0.output.dense.weight"]);
  });
  expect_load_error(dir, {"encoder.layer.0.intermediate.dense.weight", "64"});
}

TEST(EncoderVariants, ConfigDisagreeingWithTensorsIsNamed) {
  expect_load_error(variant(
                        "vocab", [](auto&) {}, [](auto& c) { c["vocab_size"] = 2000; }),
                    {"embeddings.word_embeddings.weight"});
  expect_load_error(variant(
                        "layers", [](auto&) {}, [](auto& c) { c["num_hidden_layers"] = 3; }),
                    {"encoder.layer.2."});
  expect_load_error(variant(
                        "ffn", [](auto&) {}, [](auto& c) { c["intermediate_size"] = 65; }),
                    {"encoder.layer.0.intermediate.dense.weight"});
}

}  // namespace
}  // namespace lightbert
