// tests/unit/backend_ops_test.cpp: every op of every kernel variant, end to end through ops::,
// against the generic table (as ggml's test-backend-ops runs each backend against the CPU one).
// Each variant runs natively where this CPU has it, else emulated (kernels.h); the test names say
// which ("amx_emu"). What runs is the table's real combination: packing with the table's layout,
// the table's quantiser and code width, its GEMM and epilogue (int8: quantise -> pack -> GEMM ->
// dequantise + bias + activation; bf16: its activation rounding), attention, LayerNorm with
// bias and residual, the activations. Edge shapes: 1 row, odd K and N, K past one tile step, M
// past one strip, strided views. Also: NaN and Inf give NaN / Inf at the same places in every
// variant as in generic (a corrupt checkpoint must not give plausible numbers on one ISA only).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "quant/quantize.h"
#include "runtime/thread_pool.h"
#include "support/kernel_variants.h"

namespace lightbert::ops {
namespace {

using kernels::KernelTable;
using kernels::WeightDtype;

std::vector<float> randn(size_t n, uint32_t seed, float sd = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sd);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

class BackendOps : public ::testing::TestWithParam<std::string> {
 protected:
  const KernelTable& table() const { return kernels::kernels_by_name(GetParam()); }
  const KernelTable& generic() const { return kernels::generic_kernels(); }
  runtime::ThreadPool pool_{2};
  OpContext ctx() const { return OpContext{&table(), &pool_}; }
  OpContext ref() const { return OpContext{&generic(), &pool_}; }

  // y = act(x W^T + b) in `dtype` through both tables; returns {got, want}.
  std::pair<std::vector<float>, std::vector<float>> linear_both(
      const std::vector<float>& x, int64_t m, int64_t k, int64_t ldx, const std::vector<float>& w,
      const std::vector<float>& b, int64_t n, WeightDtype dtype, Activation act, bool use_bias) const {
    std::vector<std::vector<float>> out;
    for (const OpContext& c : {ctx(), ref()}) {
      const kernels::PackedWeights pw = pack_linear(c, w.data(), n, k, b.data(), dtype);
      EXPECT_EQ(pw.layout, kernels::packed_layout(*c.kernels, dtype));
      const int64_t ldy = n + 3;
      std::vector<float> y(static_cast<size_t>(m * ldy), 123.0f);
      linear(c, tensor::ConstMatrixView{x.data(), m, k, ldx}, pw,
             tensor::MatrixView{y.data(), m, n, ldy}, act, use_bias);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = n; j < ldy; ++j) {
          EXPECT_EQ(y[static_cast<size_t>(i * ldy + j)], 123.0f) << "wrote past n";
        }
      }
      out.push_back(std::move(y));
    }
    return {out[0], out[1]};
  }
};

const Activation kActs[] = {Activation::kNone, Activation::kGelu, Activation::kGeluNew, Activation::kRelu, Activation::kTanh};

TEST_P(BackendOps, LinearFp32) {
  uint32_t seed = 1;
  for (int64_t m : {1, 2, 17, 70}) {
    for (int64_t n : {1, 15, 33, 65}) {
      for (int64_t k : {1, 3, 64, 65, 300}) {
        const Activation act = kActs[seed % 5];
        const bool use_bias = seed % 3 != 0;
        const int64_t ldx = k + 1;
        const auto x = randn(static_cast<size_t>(m * ldx), seed++);
        const auto w = randn(static_cast<size_t>(n * k), seed++, 0.1f);
        const auto b = randn(static_cast<size_t>(n), seed++);
        auto [got, want] = linear_both(x, m, k, ldx, w, b, n, WeightDtype::kF32, act, use_bias);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 2e-5 * (1.0 + std::fabs(want[i])))
              << GetParam() << " m " << m << " n " << n << " k " << k << " at " << i;
        }
      }
    }
  }
}

// Same codes, same exact int32 sums in every table: outputs equal up to the epilogue's fp32
// rounding (and the activation's approximation). One code off moves an output by ~1e-4 here.
TEST_P(BackendOps, LinearInt8) {
  uint32_t seed = 100;
  for (int64_t m : {1, 5, 33, 70}) {
    for (int64_t n : {1, 17, 33, 64}) {
      for (int64_t k : {1, 7, 64, 65, 130, 384}) {
        const Activation act = kActs[seed % 5];
        const bool use_bias = seed % 3 != 0;
        const int64_t ldx = k + 2;
        const auto x = randn(static_cast<size_t>(m * ldx), seed++);
        const auto w = randn(static_cast<size_t>(n * k), seed++, 0.05f);
        const auto b = randn(static_cast<size_t>(n), seed++, 0.1f);
        auto [got, want] = linear_both(x, m, k, ldx, w, b, n, WeightDtype::kI8, act, use_bias);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 3e-6 * (1.0 + std::fabs(want[i])))
              << GetParam() << " m " << m << " n " << n << " k " << k << " at " << i;
        }
      }
    }
  }
}

// bf16 weights; tables with bf16 dot products also round the activations (kernels.h): the bound
// is then half a bf16 step of each activation times the weight, summed.
TEST_P(BackendOps, LinearBf16) {
  const KernelTable& t = table();
  uint32_t seed = 200;
  for (int64_t m : {1, 3, 33, 70}) {
    for (int64_t n : {1, 31, 33}) {
      for (int64_t k : {1, 2, 31, 33, 64, 600}) {
        const bool use_bias = seed % 2 == 0;
        const int64_t ldx = k + 3;
        const auto x = randn(static_cast<size_t>(m * ldx), seed++);
        const auto w = randn(static_cast<size_t>(n * k), seed++, 0.1f);
        const auto b = randn(static_cast<size_t>(n), seed++);
        auto [got, want] =
            linear_both(x, m, k, ldx, w, b, n, WeightDtype::kBF16, Activation::kNone, use_bias);
        const int64_t ldy = n + 3;
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            double mag = 0;
            for (int64_t q = 0; q < k; ++q) {
              mag += std::fabs(double(x[static_cast<size_t>(i * ldx + q)]) *
                               w[static_cast<size_t>(j * k + q)]);
            }
            const double rel = t.bf16_activations ? std::ldexp(1.0, -8) : 2e-6;
            const size_t at = static_cast<size_t>(i * ldy + j);
            ASSERT_NEAR(got[at], want[at], rel * mag + 1e-5)
                << GetParam() << " m " << m << " n " << n << " k " << k;
          }
        }
      }
    }
  }
}

TEST_P(BackendOps, AttentionLayerNormActivation) {
  uint32_t seed = 300;
  for (int heads : {1, 4}) {
    const int64_t head_dim = heads == 1 ? 7 : 16, hidden = heads * head_dim;
    const std::vector<int64_t> offsets = {0, 1, 18, 51, 52};  // lengths 1, 17, 33, 1
    const int64_t tokens = offsets.back();
    const auto qkv = randn(static_cast<size_t>(tokens * 3 * hidden), seed++);
    std::vector<std::vector<float>> outs;
    for (const OpContext& c : {ctx(), ref()}) {
      AttentionScratch scratch;
      std::vector<float> out(static_cast<size_t>(tokens * hidden));
      self_attention(c, tensor::ConstMatrixView{qkv.data(), tokens, 3 * hidden, 3 * hidden},
                     offsets.data(), 4, heads, tensor::MatrixView{out.data(), tokens, hidden, hidden},
                     scratch);
      outs.push_back(out);
    }
    for (size_t i = 0; i < outs[0].size(); ++i) {
      ASSERT_NEAR(outs[0][i], outs[1][i], 2e-5 * (1.0 + std::fabs(outs[1][i]))) << GetParam();
    }
  }
  for (int64_t n : {1, 15, 17, 384}) {
    const int64_t rows = 5;
    const auto x = randn(static_cast<size_t>(rows * n), seed++);
    const auto res = randn(static_cast<size_t>(rows * n), seed++);
    const auto bias = randn(static_cast<size_t>(n), seed++);
    const auto gamma = randn(static_cast<size_t>(n), seed++);
    const auto beta = randn(static_cast<size_t>(n), seed++);
    std::vector<std::vector<float>> outs;
    for (const OpContext& c : {ctx(), ref()}) {
      std::vector<float> y(static_cast<size_t>(rows * n));
      add_bias_residual_layer_norm(c, tensor::ConstMatrixView{x.data(), rows, n, n}, bias.data(),
                                   tensor::ConstMatrixView{res.data(), rows, n, n}, gamma.data(),
                                   beta.data(), 1e-12f, tensor::MatrixView{y.data(), rows, n, n});
      outs.push_back(y);
    }
    for (size_t i = 0; i < outs[0].size(); ++i) {
      ASSERT_NEAR(outs[0][i], outs[1][i], 2e-5 * (1.0 + std::fabs(outs[1][i]))) << n;
    }
    for (Activation act : kActs) {
      std::vector<std::vector<float>> acts;
      for (const OpContext& c : {ctx(), ref()}) {
        std::vector<float> y = x;
        apply_activation(c, tensor::MatrixView{y.data(), rows, n, n}, act);
        acts.push_back(y);
      }
      for (size_t i = 0; i < acts[0].size(); ++i) {
        ASSERT_NEAR(acts[0][i], acts[1][i], 2e-6 * (1.0 + std::fabs(acts[1][i])))
            << GetParam() << " act " << static_cast<int>(act);
      }
    }
  }
}

// Where generic gives NaN / +-Inf, so does every variant (and finite where generic is finite).
void expect_same_class(const std::vector<float>& got, const std::vector<float>& want,
                       const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(std::isnan(got[i]), std::isnan(want[i])) << what << " at " << i << ": " << got[i]
                                                       << " vs " << want[i];
    if (!std::isnan(want[i])) {
      ASSERT_EQ(std::isinf(got[i]), std::isinf(want[i])) << what << " at " << i;
    }
  }
}

TEST_P(BackendOps, NanAndInfPropagateAsInGeneric) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const int64_t m = 6, n = 40, k = 70;
  auto x = randn(static_cast<size_t>(m * k), 400);
  x[1 * k + 3] = nan;  // row 1: a NaN
  x[3 * k + 69] = inf;  // row 3: +Inf
  x[4 * k + 0] = -inf;  // row 4: -Inf
  const auto w = randn(static_cast<size_t>(n * k), 401, 0.1f);
  const auto b = randn(static_cast<size_t>(n), 402);
  for (WeightDtype dtype : {WeightDtype::kF32, WeightDtype::kBF16, WeightDtype::kI8}) {
    for (Activation act : kActs) {
      auto [got, want] = linear_both(x, m, k, k, w, b, n, dtype, act, true);
      expect_same_class(got, want, GetParam() + " linear " + kernels::weight_dtype_name(dtype) +
                                       " act " + std::to_string(static_cast<int>(act)));
      for (int64_t j = 0; j < n; ++j) {  // the NaN row is NaN in every dtype and activation
        ASSERT_TRUE(std::isnan(got[static_cast<size_t>(1 * (n + 3) + j)])) << GetParam();
      }
    }
  }
  // A NaN weight: its output column is NaN in every dtype.
  auto wbad = w;
  wbad[5 * k + 9] = nan;
  for (WeightDtype dtype : {WeightDtype::kF32, WeightDtype::kBF16, WeightDtype::kI8}) {
    auto xf = randn(static_cast<size_t>(m * k), 403);
    auto [got, want] = linear_both(xf, m, k, k, wbad, b, n, dtype, Activation::kNone, true);
    expect_same_class(got, want, GetParam() + " NaN weight " + kernels::weight_dtype_name(dtype));
    for (int64_t i = 0; i < m; ++i) ASSERT_TRUE(std::isnan(got[static_cast<size_t>(i * (n + 3) + 5)]));
  }
  // Activations, LayerNorm and softmax (through attention) on special values.
  std::vector<float> special = {nan, inf, -inf, 0.0f, -0.0f, 1.0f, -1.0f, 100.0f, -100.0f, 1e-30f,
                                3.0f, -3.0f, 88.5f, -88.5f, 20.0f, -20.0f, 0.5f};
  for (Activation act : kActs) {
    std::vector<std::vector<float>> r;
    for (const OpContext& c : {ctx(), ref()}) {
      std::vector<float> y = special;
      apply_activation(c, tensor::MatrixView{y.data(), 1, static_cast<int64_t>(y.size()),
                                             static_cast<int64_t>(y.size())},
                       act);
      r.push_back(y);
    }
    expect_same_class(r[0], r[1], GetParam() + " act " + std::to_string(static_cast<int>(act)));
    EXPECT_TRUE(std::isnan(r[0][0])) << GetParam() << " act " << static_cast<int>(act);
  }
  const int64_t ln = 33;
  auto lx = randn(static_cast<size_t>(3 * ln), 404);
  lx[0 * ln + 7] = nan;
  lx[1 * ln + 32] = inf;
  const std::vector<float> ones(static_cast<size_t>(ln), 1.0f), zeros(static_cast<size_t>(ln), 0.0f);
  std::vector<std::vector<float>> r;
  for (const OpContext& c : {ctx(), ref()}) {
    std::vector<float> y(lx.size());
    add_bias_residual_layer_norm(c, tensor::ConstMatrixView{lx.data(), 3, ln, ln}, nullptr,
                                 tensor::ConstMatrixView{nullptr, 3, ln, ln}, ones.data(),
                                 zeros.data(), 1e-12f, tensor::MatrixView{y.data(), 3, ln, ln});
    r.push_back(y);
  }
  expect_same_class(r[0], r[1], GetParam() + " layer_norm");
  const int64_t hidden = 16, tokens = 20;
  auto qkv = randn(static_cast<size_t>(tokens * 3 * hidden), 405);
  qkv[5 * 3 * hidden + hidden + 2] = nan;  // a key of sequence 0
  qkv[15 * 3 * hidden + 1] = inf;          // a query of sequence 1
  const std::vector<int64_t> offsets = {0, 10, 20};
  r.clear();
  for (const OpContext& c : {ctx(), ref()}) {
    AttentionScratch scratch;
    std::vector<float> out(static_cast<size_t>(tokens * hidden));
    self_attention(c, tensor::ConstMatrixView{qkv.data(), tokens, 3 * hidden, 3 * hidden},
                   offsets.data(), 2, 1, tensor::MatrixView{out.data(), tokens, hidden, hidden},
                   scratch);
    r.push_back(out);
  }
  expect_same_class(r[0], r[1], GetParam() + " attention");
}

INSTANTIATE_TEST_SUITE_P(Variants, BackendOps, ::testing::ValuesIn(test::test_variant_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return test::variant_test_name(info.param);
                         });

}  // namespace
}  // namespace lightbert::ops
