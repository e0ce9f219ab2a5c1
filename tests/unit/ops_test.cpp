// tests/unit/ops_test.cpp: the ops layer (tiling + threading over the kernel tables) against naive
// double-precision references computed here, on every kernel table this CPU runs and several
// thread counts: linear (incl. fused activation, no-bias, strided views), ragged self-attention,
// embeddings, bias + residual + LayerNorm; and the thread pool's contract.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/kernel_variants.h"
#include "kernels/kernels.h"
#include "lightbert/error.h"
#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/embedding.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "runtime/thread_pool.h"

namespace lightbert::ops {
namespace {

using tensor::ConstMatrixView;
using tensor::MatrixView;

std::vector<float> random_vector(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

class OpsTest : public ::testing::TestWithParam<std::string> {
 protected:
  OpContext context(const runtime::ThreadPool& pool) const {
    return OpContext{&kernels::kernels_by_name(GetParam()), &pool};
  }
};

TEST_P(OpsTest, LinearMatchesDoubleReferenceForAnyTiling) {
  uint32_t seed = 11;
  for (int threads : {1, 2, 3}) {
    runtime::ThreadPool pool(threads);
    const OpContext ctx = context(pool);
    for (int64_t m : {1, 3, 17, 130, 500}) {
      for (auto [n, k] : {std::pair<int64_t, int64_t>{1, 7}, {40, 33}, {300, 260}, {96, 600}}) {
        for (Activation act :
             {Activation::kNone, Activation::kGeluNew, Activation::kRelu}) {
          const bool use_bias = act != Activation::kRelu;
          std::vector<float> x = random_vector(static_cast<size_t>(m * (k + 1)), seed++);
          std::vector<float> w = random_vector(static_cast<size_t>(n * k), seed++);
          std::vector<float> b = random_vector(static_cast<size_t>(n), seed++);
          kernels::PackedWeights pw = pack_linear(ctx, w.data(), n, k, b.data());
          std::vector<float> y(static_cast<size_t>(m * n));
          linear(ctx, ConstMatrixView{x.data(), m, k, k + 1}, pw, MatrixView{y.data(), m, n, n},
                 act, use_bias);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              double acc = use_bias ? b[static_cast<size_t>(j)] : 0.0, mag = std::fabs(acc);
              for (int64_t q = 0; q < k; ++q) {
                const double p = static_cast<double>(x[static_cast<size_t>(i * (k + 1) + q)]) *
                                 w[static_cast<size_t>(j * k + q)];
                acc += p;
                mag += std::fabs(p);
              }
              double ref = acc;
              if (act == Activation::kRelu) ref = acc > 0 ? acc : 0.0;
              if (act == Activation::kGeluNew) {
                ref = 0.5 * acc *
                      (1 + std::tanh(std::sqrt(2 / M_PI) * (acc + 0.044715 * acc * acc * acc)));
              }
              ASSERT_NEAR(y[static_cast<size_t>(i * n + j)], ref,
                          4e-7 * (mag + 1.0) * std::sqrt(static_cast<double>(k)))
                  << GetParam() << " threads " << threads << " m=" << m << " n=" << n << " k=" << k;
            }
          }
        }
      }
    }
  }
}

TEST_P(OpsTest, LinearRejectsMismatchedShapes) {
  runtime::ThreadPool pool(1);
  const OpContext ctx = context(pool);
  std::vector<float> w(12), x(8), y(6);
  kernels::PackedWeights pw = pack_linear(ctx, w.data(), 3, 4, nullptr);
  EXPECT_THROW(linear(ctx, ConstMatrixView{x.data(), 2, 3, 3}, pw, MatrixView{y.data(), 2, 3, 3}),
               Error);
  kernels::PackedWeights other =
      kernels::pack_weights(w.data(), 3, 4, nullptr, ctx.kernels->gemm_nr + 1);
  EXPECT_THROW(
      linear(ctx, ConstMatrixView{x.data(), 2, 4, 4}, other, MatrixView{y.data(), 2, 3, 3}), Error);
}

// Ragged attention equals per-sequence dense attention computed in double.
// Configurations: many short ragged sequences; one long sequence and a single head (split into
// row ranges, several query-row blocks per range); two sequences of uneven length.
struct AttentionCase {
  int heads;
  int64_t d;
  std::vector<int64_t> lengths;
};

TEST_P(OpsTest, RaggedSelfAttentionMatchesDoubleReference) {
  const std::vector<AttentionCase> cases = {
      {3, 20, {1, 2, 17, 40, 5}}, {1, 16, {300}}, {2, 8, {130, 7}}, {4, 64, {129}}};
  for (const AttentionCase& ac : cases) {
    const int heads = ac.heads;
    const int64_t d = ac.d, hidden = heads * d;
    const std::vector<int64_t>& lengths = ac.lengths;
    ASSERT_GT(ops::attention_block_rows(300), 6);
    ASSERT_LT(ops::attention_block_rows(300), 300);  // the 300-token case runs several blocks
    std::vector<int64_t> offsets = {0};
    for (int64_t l : lengths) offsets.push_back(offsets.back() + l);
    const int64_t tokens = offsets.back();
    // Large scores so the softmax is far from uniform.
    std::vector<float> qkv =
        random_vector(static_cast<size_t>(tokens * 3 * hidden), 5, -3.0f, 3.0f);
    for (int threads : {1, 2}) {
      runtime::ThreadPool pool(threads);
      const OpContext ctx = context(pool);
      std::vector<float> out(static_cast<size_t>(tokens * hidden), NAN);
      AttentionScratch scratch;
      self_attention(ctx, ConstMatrixView{qkv.data(), tokens, 3 * hidden, 3 * hidden},
                     offsets.data(), static_cast<int64_t>(lengths.size()), heads,
                     MatrixView{out.data(), tokens, hidden, hidden}, scratch);
      for (size_t s = 0; s < lengths.size(); ++s) {
        const int64_t r0 = offsets[s], len = lengths[s];
        for (int h = 0; h < heads; ++h) {
          for (int64_t i = 0; i < len; ++i) {
            auto at = [&](int64_t row, int part, int64_t c) {
              return static_cast<double>(
                  qkv[static_cast<size_t>((r0 + row) * 3 * hidden + part * hidden + h * d + c)]);
            };
            std::vector<double> p(static_cast<size_t>(len));
            double mx = -1e300, sum = 0.0;
            for (int64_t j = 0; j < len; ++j) {
              double dot = 0.0;
              for (int64_t c = 0; c < d; ++c) dot += at(i, 0, c) * at(j, 1, c);
              p[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(d));
              mx = std::max(mx, p[static_cast<size_t>(j)]);
            }
            for (double& e : p) sum += (e = std::exp(e - mx));
            for (int64_t c = 0; c < d; ++c) {
              double ref = 0.0;
              for (int64_t j = 0; j < len; ++j)
                ref += p[static_cast<size_t>(j)] / sum * at(j, 2, c);
              ASSERT_NEAR(out[static_cast<size_t>((r0 + i) * hidden + h * d + c)], ref, 2e-5)
                  << GetParam() << " seq " << s << " head " << h << " row " << i << " col " << c
                  << " threads " << threads << " d " << d;
            }
          }
        }
      }
    }
  }
}

TEST_P(OpsTest, EmbeddingsMatchDoubleReference) {
  const int64_t hidden = 24, vocab = 50, positions = 16, types = 2;
  std::vector<float> word = random_vector(static_cast<size_t>(vocab * hidden), 1);
  std::vector<float> pos = random_vector(static_cast<size_t>(positions * hidden), 2);
  std::vector<float> type = random_vector(static_cast<size_t>(types * hidden), 3);
  std::vector<float> gamma = random_vector(static_cast<size_t>(hidden), 4, 0.5f, 1.5f);
  std::vector<float> beta = random_vector(static_cast<size_t>(hidden), 5);
  const std::vector<int64_t> offsets = {0, 3, 4, 16, 21};
  std::vector<int32_t> ids, tt;
  for (int64_t t = 0; t < offsets.back(); ++t) {
    ids.push_back(static_cast<int32_t>((t * 7 + 3) % vocab));
    tt.push_back(static_cast<int32_t>(t % 2));
  }
  EmbeddingTables tables{word.data(), pos.data(), type.data(), gamma.data(), beta.data(), 1e-12f};
  for (int threads : {1, 2, 3}) {
    runtime::ThreadPool pool(threads);
    const OpContext ctx = context(pool);
    for (bool with_types : {true, false}) {
      std::vector<float> out(static_cast<size_t>(offsets.back() * hidden));
      embed(ctx, tables, ids.data(), with_types ? tt.data() : nullptr, offsets.data(), 4,
            MatrixView{out.data(), offsets.back(), hidden, hidden});
      for (size_t s = 0; s + 1 < offsets.size(); ++s) {
        for (int64_t t = offsets[s]; t < offsets[s + 1]; ++t) {
          std::vector<double> v(static_cast<size_t>(hidden));
          double mean = 0, var = 0;
          for (int64_t c = 0; c < hidden; ++c) {
            v[c] = static_cast<double>(word[ids[t] * hidden + c]) +
                   type[(with_types ? tt[t] : 0) * hidden + c] + pos[(t - offsets[s]) * hidden + c];
            mean += v[c] / hidden;
          }
          for (double e : v) var += (e - mean) * (e - mean) / hidden;
          for (int64_t c = 0; c < hidden; ++c) {
            const double ref = (v[c] - mean) / std::sqrt(var + 1e-12) * gamma[c] + beta[c];
            ASSERT_NEAR(out[static_cast<size_t>(t * hidden + c)], ref, 1e-5)
                << GetParam() << " token " << t << " col " << c;
          }
        }
      }
    }
  }
}

// int8 word rows (the int8 model's word embeddings) give exactly what the fp32 table of their
// dequantised values gives.
TEST_P(OpsTest, EmbeddingWithInt8WordRowsEqualsTheirDequantisedTable) {
  const int64_t vocab = 50, hidden = 45;
  std::vector<float> word = random_vector(static_cast<size_t>(vocab * hidden), 31);
  std::vector<float> pos = random_vector(static_cast<size_t>(20 * hidden), 32);
  std::vector<float> gamma = random_vector(static_cast<size_t>(hidden), 33);
  std::vector<float> beta = random_vector(static_cast<size_t>(hidden), 34);
  const quant::QuantizedRows q = quant::quantize_table_s8(word.data(), vocab, hidden);
  std::vector<float> deq(word.size());
  for (int64_t r = 0; r < vocab; ++r) q.dequantize_row(r, deq.data() + r * hidden);
  const std::vector<int64_t> offsets = {0, 5, 17};
  std::vector<int32_t> ids;
  for (int64_t t = 0; t < offsets.back(); ++t)
    ids.push_back(static_cast<int32_t>((t * 11 + 1) % vocab));
  runtime::ThreadPool pool(2);
  const OpContext ctx = context(pool);
  EmbeddingTables plain{deq.data(), pos.data(), nullptr, gamma.data(), beta.data(), 1e-12f};
  EmbeddingTables int8 = plain;
  int8.word = nullptr;
  int8.word_i8 = &q;
  std::vector<float> a(static_cast<size_t>(offsets.back() * hidden)), b(a.size());
  embed(ctx, plain, ids.data(), nullptr, offsets.data(), 2,
        MatrixView{a.data(), offsets.back(), hidden, hidden});
  embed(ctx, int8, ids.data(), nullptr, offsets.data(), 2,
        MatrixView{b.data(), offsets.back(), hidden, hidden});
  EXPECT_EQ(a, b) << GetParam();
  EXPECT_NE(deq, word);  // the rows were really quantised
}

TEST_P(OpsTest, LayerNormOpWritesInPlaceOverTheResidual) {
  const int64_t rows = 37, n = 45;
  std::vector<float> x = random_vector(static_cast<size_t>(rows * n), 21);
  std::vector<float> res = random_vector(static_cast<size_t>(rows * n), 22);
  std::vector<float> bias = random_vector(static_cast<size_t>(n), 23);
  std::vector<float> gamma = random_vector(static_cast<size_t>(n), 24, 0.5f, 1.5f);
  std::vector<float> beta = random_vector(static_cast<size_t>(n), 25);
  runtime::ThreadPool pool(2);
  const OpContext ctx = context(pool);
  std::vector<float> y = res;
  add_bias_residual_layer_norm(ctx, ConstMatrixView{x.data(), rows, n, n}, bias.data(),
                               ConstMatrixView{y.data(), rows, n, n}, gamma.data(), beta.data(),
                               1e-5f, MatrixView{y.data(), rows, n, n});
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    std::vector<double> v(static_cast<size_t>(n));
    for (int64_t c = 0; c < n; ++c)
      mean += (v[c] = static_cast<double>(x[r * n + c]) + bias[c] + res[r * n + c]) / n;
    for (double e : v) var += (e - mean) * (e - mean) / n;
    for (int64_t c = 0; c < n; ++c) {
      ASSERT_NEAR(y[r * n + c], (v[c] - mean) / std::sqrt(var + 1e-5) * gamma[c] + beta[c], 1e-5);
    }
  }
}

TEST_P(OpsTest, ActivationOp) {
  runtime::ThreadPool pool(2);
  const OpContext ctx = context(pool);
  std::vector<float> y = random_vector(5 * 9, 31, -4.0f, 4.0f);
  const std::vector<float> x = y;
  apply_activation(ctx, MatrixView{y.data(), 5, 7, 9}, Activation::kGelu);
  for (int64_t r = 0; r < 5; ++r) {
    for (int64_t c = 0; c < 9; ++c) {
      const double v = x[r * 9 + c];
      const double ref = c < 7 ? 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))) : v;  // stride kept
      ASSERT_NEAR(y[r * 9 + c], ref, 1e-6);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, OpsTest, ::testing::ValuesIn(test::test_variant_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return test::variant_test_name(info.param);
                         });

TEST(ThreadPool, EveryIndexOnceWithDistinctWorkers) {
  for (int threads : {1, 2, 5}) {
    runtime::ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    std::vector<std::atomic<int>> hits(1000);
    std::vector<std::atomic<int>> busy(static_cast<size_t>(threads));
    std::atomic<bool> overlap{false};
    pool.parallel_for(1000, [&](int64_t i, int worker) {
      ASSERT_GE(worker, 0);
      ASSERT_LT(worker, threads);
      if (busy[static_cast<size_t>(worker)].fetch_add(1) != 0) overlap = true;
      hits[static_cast<size_t>(i)].fetch_add(1);
      busy[static_cast<size_t>(worker)].fetch_sub(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    EXPECT_FALSE(overlap.load());
  }
  runtime::ThreadPool all(0);
  EXPECT_EQ(all.size(), runtime::available_cores());
  EXPECT_THROW(runtime::ThreadPool(-2), Error);
}

// Many back-to-back jobs (the generation protocol: no index lost or run twice, no stale function;
// a job longer than the one before once ran an index twice, about 1 run in 200 at 20,000 jobs),
// jobs after the workers went to sleep (futex wake-up), and nested calls (run inline).
TEST(ThreadPool, RepeatedJobsSleepingWorkersAndNesting) {
  runtime::ThreadPool pool(3);
  for (int job = 0; job < 200000; ++job) {
    const int64_t count = 1 + job % 7;
    std::atomic<int64_t> sum{0};
    pool.parallel_for(count, [&](int64_t i, int) { sum.fetch_add(i + 1 + job); });
    ASSERT_EQ(sum.load(), count * (count + 1) / 2 + count * job) << "job " << job;
    if (job % 50000 == 49999) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<std::atomic<int>> hits(64);
  pool.parallel_for(8, [&](int64_t i, int outer) {
    pool.parallel_for(8, [&](int64_t j, int inner) {
      EXPECT_EQ(inner, 0);  // inline on the calling thread
      hits[static_cast<size_t>(i * 8 + j)].fetch_add(1);
    });
    (void)outer;
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  // Workers of every thread really take part (each item waits until all have started).
  std::atomic<int> started{0};
  pool.parallel_for(3, [&](int64_t, int) {
    started.fetch_add(1);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load() < 3 && std::chrono::steady_clock::now() < give_up) {
    }
  });
  EXPECT_EQ(started.load(), 3);
}

}  // namespace
}  // namespace lightbert::ops
