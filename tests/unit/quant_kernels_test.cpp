// tests/unit/quant_kernels_test.cpp: the int8 and bf16 GEMMs of every kernel table this CPU runs
// (KernelTable::i8_gemm_tile, quantize_rows_u8, bf16_gemm_tile and ops::linear on them) against
// independent references computed here: int64 sums of the integer operands (the int8 sums must be
// EXACT, extremes 0/255 x -127/127 included), the scalar quantisation rule (quant/quantize.h, bit
// for bit), the double-precision fp32 product (within the error bound quantisation implies) and a
// double product of the bf16-rounded weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "support/kernel_variants.h"
#include "kernels/kernels.h"
#include "kernels/packed_weights.h"
#include "ops/linear.h"
#include "quant/quantize.h"
#include "runtime/thread_pool.h"

namespace lightbert::kernels {
namespace {

class QuantKernels : public ::testing::TestWithParam<std::string> {
 protected:
  const KernelTable& table() const { return kernels_by_name(GetParam()); }
};

// Codes stored at the table's width.
// Rows are allocated in whole strips of `mr` (zero past m), as ops/linear provides them.
std::vector<uint8_t> store_codes(const std::vector<int32_t>& codes, int64_t m, int64_t k,
                                 int64_t lda, int bytes, int mr) {
  const int64_t rows = (m + mr - 1) / mr * mr;
  std::vector<uint8_t> out(static_cast<size_t>(rows * lda * bytes) + 64, 0);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      const int32_t v = codes[static_cast<size_t>(i * k + j)];
      if (bytes == 1) {
        out[static_cast<size_t>(i * lda + j)] = static_cast<uint8_t>(v);
      } else {  // sign-split (kernels.h): per quad 4 x (v - 128) then 4 x |v - 128|
        uint8_t* quad = out.data() + i * lda * 2 + (j / 4) * 8;
        quad[j % 4] = static_cast<uint8_t>(static_cast<int8_t>(v - 128));
        quad[4 + j % 4] = static_cast<uint8_t>(std::abs(v - 128));
      }
    }
  }
  return out;
}

TEST_P(QuantKernels, Int8SumsAreExactOnEdgeShapesAndExtremes) {
  const KernelTable& t = table();
  std::mt19937 rng(7);
  for (int64_t m : {1, 5, 7, 13}) {
    for (int64_t k : {1, 3, 6, 31, 33, 300}) {
      for (int64_t n : {1, 15, 17, 40}) {
        for (int pattern : {0, 1, 2}) {  // 0 random, 1 all 255 x qmax, 2 255 x -qmax / 0 x qmax
          const int qm = t.i8_qmax;
          std::uniform_int_distribution<int> code(0, 255), wv(-qm, qm);
          std::vector<int32_t> a(static_cast<size_t>(m * k));
          std::vector<float> w(static_cast<size_t>(n * k));
          for (size_t i = 0; i < a.size(); ++i) {
            a[i] = pattern == 0 ? code(rng) : (pattern == 1 || i % 2 == 0 ? 255 : 0);
          }
          for (size_t i = 0; i < w.size(); ++i) {
            w[i] = static_cast<float>(pattern == 0 ? wv(rng)
                                                   : (pattern == 1 ? qm : (i % 2 == 0 ? -qm : qm)));
          }
          // One +-qmax per row makes the weight scale exactly 1, so q == w.
          for (int64_t j = 0; j < n; ++j)
            w[static_cast<size_t>(j * k + (j % k))] =
                (j % 2) ? static_cast<float>(qm) : -static_cast<float>(qm);
          std::vector<int32_t> zero(static_cast<size_t>(m));
          std::vector<float> scale(static_cast<size_t>(m), 1.0f);
          for (int64_t i = 0; i < m; ++i)
            zero[static_cast<size_t>(i)] = static_cast<int32_t>((i * 37) % 256);
          const PackedWeights pw =
              pack_weights_int8(w.data(), n, k, nullptr, t.i8_nr, t.i8_kgroup, t.i8_qmax);
          ASSERT_EQ(pw.layout, packed_layout(t, WeightDtype::kI8));
          // Codes zero past k up to the table's K alignment (AMX tiles read whole 64-code steps).
          const int64_t kq = (pw.k_padded() + t.i8_k_align - 1) / t.i8_k_align * t.i8_k_align;
          const int64_t lda = kq + 5;
          const std::vector<uint8_t> codes = store_codes(a, m, k, lda, t.i8_code_bytes, t.i8_mr);
          const int64_t ldc = n + 3;
          std::vector<float> c(static_cast<size_t>(m * ldc), -99.0f);
          I8GemmArgs g;
          g.m = m;
          g.a = codes.data();
          g.lda = lda;
          g.a_scale = scale.data();
          g.a_zero = zero.data();
          g.w = &pw;
          g.use_bias = false;
          g.c = c.data();
          g.ldc = ldc;
          const int64_t panels = pw.num_panels();
          const int64_t half = (m / 2) / t.i8_mr * t.i8_mr;  // tiles start on strips
          t.i8_gemm_tile(g, 0, half, 0, panels / 2);
          t.i8_gemm_tile(g, 0, half, panels / 2, panels);
          t.i8_gemm_tile(g, half, m, 0, panels / 2);
          t.i8_gemm_tile(g, half, m, panels / 2, panels);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
              const float got = c[static_cast<size_t>(i * ldc + j)];
              if (j >= n) {
                ASSERT_EQ(got, -99.0f) << "wrote outside the tile";
                continue;
              }
              int64_t sum = 0, col = 0;
              for (int64_t q = 0; q < k; ++q) {
                const int64_t wq = static_cast<int64_t>(w[static_cast<size_t>(j * k + q)]);
                sum += a[static_cast<size_t>(i * k + q)] * wq;
                col += wq;
              }
              const int64_t want = sum - zero[static_cast<size_t>(i)] * col;
              ASSERT_EQ(static_cast<double>(got), static_cast<double>(want))
                  << t.name << " m " << m << " k " << k << " n " << n << " pattern " << pattern
                  << " at " << i << "," << j;
            }
          }
        }
      }
    }
  }
}

TEST_P(QuantKernels, RowQuantisationIsBitExactWithTheScalarRule) {
  const KernelTable& t = table();
  std::mt19937 rng(9);
  for (int64_t k : {1, 7, 8, 9, 300, 384}) {
    for (int kind : {0, 1, 2, 3}) {  // mixed signs, all positive, all negative, all zero
      const int64_t rows = 3;
      std::normal_distribution<float> dist(0.3f, 2.0f);
      std::vector<float> x(static_cast<size_t>(rows * (k + 2)));
      for (float& v : x) {
        v = dist(rng);
        if (kind == 1) v = std::fabs(v);
        if (kind == 2) v = -std::fabs(v);
        if (kind == 3) v = 0.0f;
      }
      const int64_t kp = (k + 3) / 4 * 4;
      const int64_t ldq = kp + 4;
      std::vector<uint8_t> q(static_cast<size_t>(rows * ldq * t.i8_code_bytes), 0xAB);
      std::vector<float> scale(rows);
      std::vector<int32_t> zero(rows);
      t.quantize_rows_u8(x.data(), k + 2, rows, k, kp, q.data(), ldq, scale.data(), zero.data());
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<uint8_t> want(static_cast<size_t>(k));
        float ws;
        int32_t wz;
        quant::quantize_row_u8(x.data() + r * (k + 2), k, want.data(), &ws, &wz);
        ASSERT_EQ(scale[static_cast<size_t>(r)], ws) << t.name << " k " << k;
        ASSERT_EQ(zero[static_cast<size_t>(r)], wz) << t.name << " k " << k;
        for (int64_t i = 0; i < kp; ++i) {
          if (t.i8_code_bytes == 1) {
            const int32_t got = q[static_cast<size_t>(r * ldq + i)];
            ASSERT_EQ(got, i < k ? want[static_cast<size_t>(i)] : 0)
                << t.name << " k " << k << " i " << i;
          } else {  // sign-split: s = code - 128 and |s|; padding both 0
            const uint8_t* quad = q.data() + r * ldq * 2 + (i / 4) * 8;
            const int32_t s = static_cast<int8_t>(quad[i % 4]);
            const int32_t u = quad[4 + i % 4];
            const int32_t want_s = i < k ? want[static_cast<size_t>(i)] - 128 : 0;
            ASSERT_EQ(s, want_s) << t.name << " k " << k << " i " << i;
            ASSERT_EQ(u, std::abs(want_s)) << t.name << " k " << k << " i " << i;
          }
        }
      }
    }
  }
}

std::vector<float> random_vector(size_t n, uint32_t seed, float sd) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sd);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// y = act(x W^T + b) through ops::linear with int8 weights, against the double fp32 product: the
// per-element error is bounded by the rounding of both operands (half a step each):
//   |dy| <= sum_k (|x_k| + sx/2) * sw/2 + |w_k| * sx/2  (+ fp32 epilogue rounding),
// with sx the row's activation step and sw the column's weight step; tanh / relu are
// 1-Lipschitz so the bound carries through the activation.
TEST_P(QuantKernels, Int8LinearStaysWithinTheQuantisationBound) {
  runtime::ThreadPool pool(2);
  const ops::OpContext ctx{&table(), &pool};
  uint32_t seed = 21;
  for (int64_t m : {1, 7, 64}) {
    for (auto [n, k] : {std::pair<int64_t, int64_t>{17, 33}, {384, 384}, {40, 1536}}) {
      for (Activation act : {Activation::kNone, Activation::kTanh, Activation::kRelu}) {
        const std::vector<float> x = random_vector(static_cast<size_t>(m * k), seed++, 1.0f);
        const std::vector<float> w = random_vector(static_cast<size_t>(n * k), seed++, 0.05f);
        const std::vector<float> b = random_vector(static_cast<size_t>(n), seed++, 0.5f);
        const PackedWeights pw = ops::pack_linear(ctx, w.data(), n, k, b.data(), WeightDtype::kI8);
        std::vector<float> y(static_cast<size_t>(m * n));
        ops::linear(ctx, tensor::ConstMatrixView{x.data(), m, k, k}, pw,
                    tensor::MatrixView{y.data(), m, n, n}, act);
        for (int64_t i = 0; i < m; ++i) {
          float lo = 0, hi = 0;
          for (int64_t q = 0; q < k; ++q) {
            lo = std::min(lo, x[static_cast<size_t>(i * k + q)]);
            hi = std::max(hi, x[static_cast<size_t>(i * k + q)]);
          }
          const double sx = (hi - lo) / 255.0;
          for (int64_t j = 0; j < n; ++j) {
            double ref = b[static_cast<size_t>(j)], bound = 1e-5 * (1.0 + std::fabs(ref));
            double wmax = 0;
            for (int64_t q = 0; q < k; ++q)
              wmax = std::max(wmax, std::fabs(double(w[static_cast<size_t>(j * k + q)])));
            const double sw = wmax / table().i8_qmax;
            for (int64_t q = 0; q < k; ++q) {
              const double xv = x[static_cast<size_t>(i * k + q)],
                           wv = w[static_cast<size_t>(j * k + q)];
              ref += xv * wv;
              bound += (std::fabs(xv) + sx / 2) * sw / 2 + std::fabs(wv) * sx / 2;
              bound += 1e-6 * std::fabs(xv * wv);
            }
            if (act == Activation::kTanh) ref = std::tanh(ref);
            if (act == Activation::kRelu) ref = ref > 0 ? ref : 0;
            const double got = y[static_cast<size_t>(i * n + j)];
            ASSERT_NEAR(got, ref, bound) << GetParam() << " m " << m << " n " << n << " k " << k;
          }
        }
      }
    }
  }
}

TEST_P(QuantKernels, Int8LinearErrorIsSmallOnAverage) {
  // The bound above is a worst case; typical errors are far smaller. Relative RMS error of a
  // 768-wide product with N(0, 0.02) weights and N(0, 1) activations stays under 2%.
  runtime::ThreadPool pool(1);
  const ops::OpContext ctx{&table(), &pool};
  const int64_t m = 16, n = 96, k = 768;
  const std::vector<float> x = random_vector(static_cast<size_t>(m * k), 3, 1.0f);
  const std::vector<float> w = random_vector(static_cast<size_t>(n * k), 4, 0.02f);
  const PackedWeights pw = ops::pack_linear(ctx, w.data(), n, k, nullptr, WeightDtype::kI8);
  std::vector<float> y(static_cast<size_t>(m * n));
  ops::linear(ctx, tensor::ConstMatrixView{x.data(), m, k, k}, pw,
              tensor::MatrixView{y.data(), m, n, n});
  double err = 0, norm = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double ref = 0;
      for (int64_t q = 0; q < k; ++q)
        ref += double(x[static_cast<size_t>(i * k + q)]) * w[static_cast<size_t>(j * k + q)];
      err += (y[static_cast<size_t>(i * n + j)] - ref) * (y[static_cast<size_t>(i * n + j)] - ref);
      norm += ref * ref;
    }
  }
  EXPECT_LT(std::sqrt(err / norm), 0.02);
  EXPECT_GT(std::sqrt(err / norm), 1e-5);  // it did quantise
}

TEST_P(QuantKernels, Bf16GemmMatchesADoubleProductOfRoundedWeights) {
  const KernelTable& t = table();
  uint32_t seed = 5;
  for (int threads : {1, 2}) {
    runtime::ThreadPool pool(threads);
    const ops::OpContext ctx{&t, &pool};
    for (int64_t m : {1, 5, 7, 13, 130}) {
      for (auto [n, k] :
           {std::pair<int64_t, int64_t>{1, 1}, {17, 3}, {40, 33}, {33, 300}, {16, 513}}) {
        for (bool use_bias : {true, false}) {
          const Activation act = use_bias ? Activation::kGeluNew : Activation::kNone;
          const int64_t lda = k + 3, ldc = n + 2;
          const std::vector<float> x = random_vector(static_cast<size_t>(m * lda), seed++, 1.0f);
          const std::vector<float> w = random_vector(static_cast<size_t>(n * k), seed++, 0.1f);
          const std::vector<float> b = random_vector(static_cast<size_t>(n), seed++, 0.5f);
          const PackedWeights pw =
              ops::pack_linear(ctx, w.data(), n, k, b.data(), WeightDtype::kBF16);
          ASSERT_EQ(pw.layout, packed_layout(t, WeightDtype::kBF16));
          std::vector<float> y(static_cast<size_t>(m * ldc), 77.0f);
          ops::linear(ctx, tensor::ConstMatrixView{x.data(), m, k, lda}, pw,
                      tensor::MatrixView{y.data(), m, n, ldc}, act, use_bias);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
              const float got = y[static_cast<size_t>(i * ldc + j)];
              if (j >= n) {
                ASSERT_EQ(got, 77.0f);
                continue;
              }
              double ref = use_bias ? b[static_cast<size_t>(j)] : 0.0, mag = std::fabs(ref);
              for (int64_t q = 0; q < k; ++q) {
                const double wr =
                    quant::bf16_to_float(quant::float_to_bf16(w[static_cast<size_t>(j * k + q)]));
                // Tables with bf16 dot products round the activations to bf16 too (kernels.h).
                const float xv = x[static_cast<size_t>(i * lda + q)];
                const double xr =
                    t.bf16_activations ? quant::bf16_to_float(quant::float_to_bf16(xv)) : xv;
                ref += xr * wr;
                mag += std::fabs(xr * wr);
              }
              if (act == Activation::kGeluNew)
                ref = 0.5 * ref *
                      (1.0 + std::tanh(0.7978845608 * (ref + 0.044715 * ref * ref * ref)));
              ASSERT_NEAR(got, ref, 2e-6 * mag + 1e-5)
                  << t.name << " m " << m << " n " << n << " k " << k;
            }
          }
        }
      }
    }
  }
}

TEST_P(QuantKernels, ProbesCountOps) {
  const KernelProbes& p = kernel_probes(table());
  ASSERT_NE(p.int8, nullptr);
  EXPECT_GT(p.int8(10), 0.0);
  ASSERT_NE(p.fma, nullptr);
  EXPECT_GT(p.fma(10), 0.0);
  if (p.bf16 != nullptr) EXPECT_GT(p.bf16(10), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Tables, QuantKernels, ::testing::ValuesIn(test::test_variant_names()),
                         [](const auto& info) { return test::variant_test_name(info.param); });

}  // namespace
}  // namespace lightbert::kernels
