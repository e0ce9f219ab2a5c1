// tests/unit/kernels_templates_test.cpp: the shared SIMD templates (kernels/simd_gemm.h,
// kernels/simd_math.h) instantiated on a portable, plain-C++ vector type of 16 and 8 lanes, with
// the AVX-512 table's geometry (8 x 32 micro-kernel, K blocks of 256) and the AVX2 one (6 x 16),
// against double references. This exercises the template logic (tails, masks, partial panels,
// K blocking) of both SIMD tables on any CPU, including one without AVX-512, where the real
// avx512 table cannot run; only the thin intrinsic wrappers (vec_avx512.h) are left to
// kernels_test on a CPU that has it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/simd_attention.h"
#include "kernels/simd_gemm.h"
#include "kernels/simd_math.h"

namespace lightbert::kernels::emulated {

template <int N>
struct Vec {
  static constexpr int kWidth = N;
  float v[N];

  static Vec zero() { return set1(0.0f); }
  static Vec set1(float x) {
    Vec r;
    for (float& e : r.v) e = x;
    return r;
  }
  static Vec load(const float* p) {
    Vec r;
    std::memcpy(r.v, p, sizeof(r.v));
    return r;
  }
  static Vec load_partial(const float* p, int n) {
    Vec r = zero();
    for (int i = 0; i < n; ++i) r.v[i] = p[i];
    return r;
  }
  static Vec keep_first(Vec a, int n) {
    for (int i = n; i < N; ++i) a.v[i] = 0.0f;
    return a;
  }
  void store(float* p) const { std::memcpy(p, v, sizeof(v)); }
  void store_partial(float* p, int n) const {
    for (int i = 0; i < n; ++i) p[i] = v[i];
  }
  template <typename F>
  static Vec map(Vec a, Vec b, F f) {
    for (int i = 0; i < N; ++i) a.v[i] = f(a.v[i], b.v[i]);
    return a;
  }
  friend Vec operator+(Vec a, Vec b) {
    return map(a, b, [](float x, float y) { return x + y; });
  }
  friend Vec operator-(Vec a, Vec b) {
    return map(a, b, [](float x, float y) { return x - y; });
  }
  friend Vec operator*(Vec a, Vec b) {
    return map(a, b, [](float x, float y) { return x * y; });
  }
  friend Vec operator/(Vec a, Vec b) {
    return map(a, b, [](float x, float y) { return x / y; });
  }
  static Vec fma(Vec a, Vec b, Vec c) {
    for (int i = 0; i < N; ++i) a.v[i] = std::fma(a.v[i], b.v[i], c.v[i]);
    return a;
  }
  static Vec max(Vec a, Vec b) {
    return map(a, b, [](float x, float y) { return x > y ? x : y; });
  }
  static Vec min(Vec a, Vec b) {
    return map(a, b, [](float x, float y) { return x < y ? x : y; });
  }
  static Vec abs(Vec a) {
    return map(a, a, [](float x, float) { return std::fabs(x); });
  }
  static Vec copysign(Vec m, Vec s) {
    return map(m, s, [](float x, float y) { return std::copysign(x, y); });
  }
  static Vec round_nearest(Vec a) {
    return map(a, a, [](float x, float) { return std::nearbyint(x); });
  }
  static Vec pow2(Vec n) {
    return map(n, n, [](float x, float) { return std::ldexp(1.0f, static_cast<int>(x)); });
  }
  static float reduce_add(Vec a) {
    float s = 0.0f;
    for (float e : a.v) s += e;
    return s;
  }
  static float reduce_max(Vec a) {
    float s = a.v[0];
    for (float e : a.v) s = e > s ? e : s;
    return s;
  }
};

namespace {

std::vector<float> random_vector(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

template <typename V, int MR, int NV>
void check_gemm() {
  constexpr int kNr = NV * V::kWidth;
  uint32_t seed = 1;
  for (int64_t m : {1, 3, 9, 20, 203}) {  // 203: beyond one packed row block (MC)
    for (int64_t n : {1, 17, 40, 70}) {
      for (int64_t k : {1, 31, 300}) {
        const int64_t lda = k + 1, ldc = n + 2;
        std::vector<float> a = random_vector(static_cast<size_t>(m * lda), seed++);
        std::vector<float> w = random_vector(static_cast<size_t>(n * k), seed++);
        std::vector<float> b = random_vector(static_cast<size_t>(n), seed++);
        PackedWeights pw = pack_weights(w.data(), n, k, b.data(), kNr);
        std::vector<float> c(static_cast<size_t>(m * ldc), 99.0f);
        SgemmArgs g;
        g.m = m;
        g.a = a.data();
        g.lda = lda;
        g.w = &pw;
        g.act = Activation::kRelu;
        g.c = c.data();
        g.ldc = ldc;
        const int64_t panels = pw.num_panels();
        simd::sgemm_tile<V, MR, NV, 256>(g, 0, m / 2, 0, panels);
        simd::sgemm_tile<V, MR, NV, 256>(g, m / 2, m, 0, panels);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < ldc; ++j) {
            const float got = c[static_cast<size_t>(i * ldc + j)];
            if (j >= n) {
              ASSERT_EQ(got, 99.0f);
              continue;
            }
            double acc = b[static_cast<size_t>(j)], mag = std::fabs(acc);
            for (int64_t q = 0; q < k; ++q) {
              const double p = static_cast<double>(a[static_cast<size_t>(i * lda + q)]) *
                               w[static_cast<size_t>(j * k + q)];
              acc += p;
              mag += std::fabs(p);
            }
            ASSERT_NEAR(got, acc > 0 ? acc : 0.0,
                        4e-7 * (mag + 1) * std::sqrt(static_cast<double>(k)))
                << "width " << V::kWidth << " m=" << m << " n=" << n << " k=" << k;
          }
        }
      }
    }
  }
}

TEST(KernelTemplates, GemmWithAvx512Geometry) {
  check_gemm<Vec<16>, 8, 2>();
}
TEST(KernelTemplates, GemmWithAvx2Geometry) {
  check_gemm<Vec<8>, 6, 2>();
}

template <typename V>
void check_row_kernels() {
  // GELU (erf) and tanh GELU over a dense grid.
  std::vector<float> xs;
  for (int i = -80000; i <= 80000; i += 3) xs.push_back(static_cast<float>(i) * 1e-4f);
  std::vector<float> y = xs;
  simd::activation<V>(y.data(), static_cast<int64_t>(y.size()), Activation::kGelu);
  double worst = 0.0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    const double ref = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    worst = std::max(worst, std::fabs(y[i] - ref) / std::max(1.0, 0.5 * std::fabs(x)));
  }
  EXPECT_LE(worst, 2.5e-7);
  // Softmax and LayerNorm with tails.
  for (int64_t n : {1, 5, 16, 19, 40}) {
    std::vector<float> x =
        random_vector(static_cast<size_t>(n), static_cast<uint32_t>(n), -20.0f, 20.0f);
    std::vector<float> s = x;
    simd::softmax<V>(s.data(), n, 0.5f);
    double mx = -1e300, sum = 0.0;
    for (float e : x) mx = std::max(mx, 0.5 * e);
    for (float e : x) sum += std::exp(0.5 * e - mx);
    for (int64_t i = 0; i < n; ++i) {
      const double arg = 0.5 * x[static_cast<size_t>(i)] - mx;
      ASSERT_NEAR(s[static_cast<size_t>(i)], std::exp(arg) / sum,
                  std::exp(arg) / sum * 2.5e-7 * (std::fabs(arg) + 2.0));
    }
    std::vector<float> gamma = random_vector(static_cast<size_t>(n), 5, 0.5f, 1.5f);
    std::vector<float> beta = random_vector(static_cast<size_t>(n), 6);
    std::vector<float> res = random_vector(static_cast<size_t>(n), 7);
    std::vector<float> out(static_cast<size_t>(n));
    simd::layer_norm<V>(x.data(), nullptr, res.data(), gamma.data(), beta.data(), 1e-12f,
                        out.data(), n);
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i) mean += (static_cast<double>(x[i]) + res[i]) / n;
    for (int64_t i = 0; i < n; ++i)
      var += std::pow(x[i] + static_cast<double>(res[i]) - mean, 2) / n;
    for (int64_t i = 0; i < n; ++i) {
      const double ref =
          (x[i] + static_cast<double>(res[i]) - mean) / std::sqrt(var + 1e-12) * gamma[i] + beta[i];
      ASSERT_NEAR(out[static_cast<size_t>(i)], ref, 2e-5 * (std::fabs(ref) + 1)) << "n=" << n;
    }
  }
  // Plain GEMM with row and column tails.
  const int64_t m = 7, n = 37, k = 13;
  std::vector<float> a = random_vector(m * k, 8), b = random_vector(k * n, 9), c(m * n);
  simd::gemm_nn<V>(m, n, k, a.data(), k, b.data(), n, c.data(), n);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t q = 0; q < k; ++q) acc += static_cast<double>(a[i * k + q]) * b[q * n + j];
      ASSERT_NEAR(c[i * n + j], acc, 1e-5);
    }
  }
}

// attention_gemm_nn: every row count 1..13 (6-row blocks + tails), column counts with no, partial
// first and partial second vector tails, strided A / B / C (as inside the QKV rows), k = 0.
template <typename V>
void check_attention_gemm() {
  constexpr int64_t W = V::kWidth;
  for (int64_t m : {1, 5, 6, 7, 13}) {
    for (int64_t n : {int64_t{3}, W, W + 3, 2 * W, 4 * W + 5}) {
      for (int64_t k : {0, 1, 9, 40}) {
        const int64_t lda = k + 3, ldb = n + 5, ldc = n + 2;
        std::vector<float> a = random_vector(static_cast<size_t>(m * lda), 11);
        std::vector<float> b = random_vector(static_cast<size_t>(std::max<int64_t>(k, 1) * ldb), 12);
        std::vector<float> c(static_cast<size_t>(m * ldc), 7.0f);
        simd::attention_gemm_nn<V>(m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < ldc; ++j) {
            if (j >= n) {
              ASSERT_EQ(c[static_cast<size_t>(i * ldc + j)], 7.0f) << "wrote outside C";
              continue;
            }
            double acc = 0;
            for (int64_t q = 0; q < k; ++q) acc += static_cast<double>(a[static_cast<size_t>(i * lda + q)]) * b[static_cast<size_t>(q * ldb + j)];
            ASSERT_NEAR(c[static_cast<size_t>(i * ldc + j)], acc, 1e-5) << "m " << m << " n " << n << " k " << k;
          }
        }
      }
    }
  }
}

TEST(KernelTemplates, AttentionGemm16Lanes) {
  check_attention_gemm<Vec<16>>();
}
TEST(KernelTemplates, AttentionGemm8Lanes) {
  check_attention_gemm<Vec<8>>();
}

TEST(KernelTemplates, RowKernels16Lanes) {
  check_row_kernels<Vec<16>>();
}
TEST(KernelTemplates, RowKernels8Lanes) {
  check_row_kernels<Vec<8>>();
}

}  // namespace
}  // namespace lightbert::kernels::emulated
