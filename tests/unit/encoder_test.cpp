// tests/unit/encoder_test.cpp: the whole fp32 encoder against the PyTorch golden outputs of the
// committed tiny model (tests/data/tiny-bert, written by tools/make_test_models.py from bertlib in
// float64 on padded + masked batches), on every kernel table this CPU runs; ragged-batch order
// invariance; no allocation in the steady state; input validation errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "support/kernel_variants.h"
#include "kernels/kernels.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "models/bert.h"
#include "support/test_paths.h"

// Counts heap allocations made through operator new while `g_counting` is set.
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

// GCC pairs the replaced operator new with free() below and warns; they do match (malloc/free).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace lightbert {
namespace {

using testing::read_file;
using testing::test_data;

struct GoldenCase {
  std::string name, act;
  SequenceBatch batch;
  std::vector<float> hidden, pooler;
};

std::vector<GoldenCase> golden_cases() {
  const std::string dir = test_data("tiny-bert/golden");
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
    g.act = c["hidden_act"];
    g.batch.input_ids = c["input_ids"].get<std::vector<int32_t>>();
    g.batch.token_type_ids = c["token_type_ids"].get<std::vector<int32_t>>();
    g.batch.lengths = c["lengths"].get<std::vector<int32_t>>();
    g.hidden = slice(c["last_hidden_state"]);
    g.pooler = slice(c["pooler_output"]);
    cases.push_back(std::move(g));
  }
  return cases;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
    if (!std::isfinite(a[i])) return INFINITY;
  }
  return m;
}

// The tiny model folder, or a temporary copy (removed with the object) with another hidden_act.
struct ModelDir {
  std::string dir;
  bool temporary = false;
  ~ModelDir() {
    if (temporary) std::filesystem::remove_all(dir);
  }
};

ModelDir model_with_activation(const std::string& act) {
  const std::string src = test_data("tiny-bert");
  if (act == "gelu") return {src, false};
  const std::string dir = testing::make_temp_dir("enc-" + act);
  auto cfg = nlohmann::json::parse(read_file(src + "/config.json"));
  cfg["hidden_act"] = act;
  testing::write_file(dir + "/config.json", cfg.dump());
  testing::write_file(dir + "/model.safetensors", read_file(src + "/model.safetensors"));
  return {dir, true};
}

class EncoderGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EncoderGoldenTest, MatchesPyTorchWithin1e4) {
  const kernels::KernelTable& table = kernels::kernels_by_name(GetParam());
  for (const GoldenCase& g : golden_cases()) {
    const ModelDir dir = model_with_activation(g.act);
    for (int threads : {1, 2}) {
      auto model = models::BertModel::load(dir.dir, table, threads);
      ASSERT_TRUE(model->has_pooler());
      EncoderOutput out;
      model->forward(g.batch, out);
      ASSERT_EQ(out.hidden_size, 32);
      ASSERT_EQ(out.row_offsets.size(), g.batch.lengths.size() + 1);
      EXPECT_EQ(out.row_offsets.back(), static_cast<int32_t>(g.batch.input_ids.size()));
      const double dh = max_abs_diff(out.last_hidden_state, g.hidden);
      const double dp = max_abs_diff(out.pooler_output, g.pooler);
      EXPECT_LE(dh, 1e-4) << GetParam() << " case " << g.name << " threads " << threads;
      EXPECT_LE(dp, 1e-4) << GetParam() << " case " << g.name << " threads " << threads;
      RecordProperty(GetParam() + "_" + g.name + "_t" + std::to_string(threads),
                     std::to_string(dh) + " / " + std::to_string(dp));
    }
  }
}

// The same sequence alone, and inside batches in different orders, gives the same states.
TEST_P(EncoderGoldenTest, RaggedBatchOrderInvariance) {
  const kernels::KernelTable& table = kernels::kernels_by_name(GetParam());
  auto model = models::BertModel::load(test_data("tiny-bert"), table, 2);
  const GoldenCase g = golden_cases()[1];  // pairs with token types
  const size_t n = g.batch.lengths.size();
  std::vector<std::vector<int32_t>> ids(n), types(n);
  size_t off = 0;
  for (size_t s = 0; s < n; ++s) {
    const size_t len = static_cast<size_t>(g.batch.lengths[s]);
    ids[s].assign(g.batch.input_ids.begin() + off, g.batch.input_ids.begin() + off + len);
    types[s].assign(g.batch.token_type_ids.begin() + off,
                    g.batch.token_type_ids.begin() + off + len);
    off += len;
  }
  SequenceBatch reversed;
  for (size_t s = n; s-- > 0;) reversed.add(ids[s], types[s]);
  EncoderOutput together;
  model->forward(reversed, together);
  for (size_t s = 0; s < n; ++s) {
    SequenceBatch alone;
    alone.add(ids[s], types[s]);
    EncoderOutput single;
    model->forward(alone, single);
    const size_t r = n - 1 - s;  // index inside `reversed`
    for (size_t t = 0; t < ids[s].size(); ++t) {
      for (int c = 0; c < 32; ++c) {
        ASSERT_NEAR(single.token(0, t)[c], together.token(r, t)[c], 1e-5)
            << "seq " << s << " t " << t;
      }
    }
    for (int c = 0; c < 32; ++c) {
      ASSERT_NEAR(single.pooler_output[c], together.pooler_output[r * 32 + c], 1e-5);
    }
  }
}

TEST_P(EncoderGoldenTest, SteadyStateDoesNotAllocate) {
  const kernels::KernelTable& table = kernels::kernels_by_name(GetParam());
  auto model = models::BertModel::load(test_data("tiny-bert"), table, 1);
  const auto cases = golden_cases();
  EncoderOutput out;
  model->forward(cases[0].batch, out);  // the largest batch first
  g_allocations = 0;
  g_counting = true;
  model->forward(cases[1].batch, out);
  model->forward(cases[0].batch, out);
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
}

// Ragged batches on two threads (the pool, attention work items sorted by length, split row
// ranges): after the largest batch (most tokens, most sequences, longest sequence) was seen once,
// smaller ragged batches and the largest again run without touching the heap.
TEST_P(EncoderGoldenTest, RaggedSteadyStateOnTwoThreadsDoesNotAllocate) {
  const kernels::KernelTable& table = kernels::kernels_by_name(GetParam());
  auto model = models::BertModel::load(test_data("tiny-bert"), table, 2);
  auto batch_of = [](const std::vector<int32_t>& lengths) {
    SequenceBatch b;
    int32_t id = 5;
    for (int32_t n : lengths) {
      std::vector<int32_t> ids(static_cast<size_t>(n));
      for (auto& x : ids) x = 1 + (id++ * 37) % 2000;
      b.add(ids);
    }
    return b;
  };
  const SequenceBatch largest = batch_of({128, 3, 77, 1, 40, 9, 128, 16});
  const SequenceBatch smaller = batch_of({12, 100, 5});
  const SequenceBatch single = batch_of({128});
  EncoderOutput out;
  model->forward(largest, out);
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 3; ++i) {
    model->forward(smaller, out);
    model->forward(single, out);
    model->forward(largest, out);
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, EncoderGoldenTest, ::testing::ValuesIn(test::test_variant_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return test::variant_test_name(info.param);
                         });

TEST(Encoder, PublicLoadUsesTheActiveIsaAndMatchesGolden) {
  auto enc = Encoder::load(test_data("tiny-bert"), EncoderOptions{2});
  EXPECT_EQ(enc->config().hidden_size, 32);
  EXPECT_EQ(enc->config().vocab_size, 2006);
  EXPECT_TRUE(enc->has_pooler());
  const GoldenCase g = golden_cases()[0];
  EncoderOutput out;
  enc->forward(g.batch, out);
  EXPECT_LE(max_abs_diff(out.last_hidden_state, g.hidden), 1e-4);
  EXPECT_LE(max_abs_diff(out.pooler_output, g.pooler), 1e-4);
}

TEST(Encoder, BadOptionsAndFoldersThrow) {
  EXPECT_THROW(Encoder::load(test_data("tiny-bert"), EncoderOptions{-1}), Error);
  EXPECT_THROW(Encoder::load(test_data("no-such-model")), Error);
}

TEST(SequenceBatch, AddKeepsTokenTypesAligned) {
  SequenceBatch b;
  b.add({2, 7, 3});
  EXPECT_TRUE(b.token_type_ids.empty());
  b.add({2, 8, 3, 9, 3}, {0, 0, 0, 1, 1});
  b.add({2, 3});
  EXPECT_EQ(b.lengths, (std::vector<int32_t>{3, 5, 2}));
  EXPECT_EQ(b.token_type_ids, (std::vector<int32_t>{0, 0, 0, 0, 0, 0, 1, 1, 0, 0}));
  EXPECT_EQ(b.num_tokens(), 10u);
  EXPECT_THROW(b.add({1, 2}, {0}), Error);
}

// Each invalid batch throws an Error whose message names the sequence and the bad value.
TEST(Encoder, InvalidBatchesNameTheSequence) {
  auto enc = Encoder::load(test_data("tiny-bert"), EncoderOptions{1});
  EncoderOutput out;
  auto expect_error = [&](const SequenceBatch& b, ErrorCode code, std::vector<std::string> parts) {
    try {
      enc->forward(b, out);
      ADD_FAILURE() << "no error for " << parts[0];
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      for (const auto& p : parts)
        EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  };
  SequenceBatch b;
  expect_error(b, ErrorCode::kInvalidArgument, {"empty batch"});
  b.add({2, 3});
  b.add({});
  expect_error(b, ErrorCode::kInvalidArgument, {"sequence 1", "length 0"});
  b.clear();
  b.add({2, 3});
  b.add({2, 2006, 3});
  expect_error(b, ErrorCode::kOutOfRange, {"sequence 1", "position 1", "2006"});
  b.clear();
  b.add({2, -5, 3});
  expect_error(b, ErrorCode::kOutOfRange, {"sequence 0", "-5"});
  b.clear();
  b.add({2, 3});
  b.add({2, 5, 3}, {0, 2, 0});
  expect_error(b, ErrorCode::kOutOfRange, {"sequence 1", "token type 2"});
  b.clear();
  b.add({2, 3}, {0, -1});
  expect_error(b, ErrorCode::kOutOfRange, {"sequence 0", "token type -1"});
  b.clear();
  b.add({2, 3});
  b.add(std::vector<int32_t>(129, 5));
  expect_error(b, ErrorCode::kOutOfRange, {"sequence 1", "129", "max_position_embeddings 128"});
  b.clear();
  b.add(std::vector<int32_t>(128, 5));  // exactly the limit is fine
  EXPECT_NO_THROW(enc->forward(b, out));
  b.lengths = {100};  // inconsistent by hand
  expect_error(b, ErrorCode::kInvalidArgument, {"128 ids", "100"});
  b.lengths = {-3, 131};
  expect_error(b, ErrorCode::kInvalidArgument, {"sequence 0", "-3"});
}

}  // namespace
}  // namespace lightbert
