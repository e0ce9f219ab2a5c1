// tests/unit/kernels_test.cpp: every kernel of every kernel table this CPU can run, against
// naive double-precision references computed here (odd shapes, tails, K beyond one cache block),
// plus the ISA selection rules.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "support/kernel_variants.h"
#include "kernels/kernels.h"
#include "lightbert/error.h"

namespace lightbert::kernels {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

double ref_act(double x, Activation act) {
  switch (act) {
    case Activation::kGelu:
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case Activation::kGeluNew:
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case Activation::kRelu:
      return x > 0 ? x : 0.0;
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kNone:
      return x;
  }
  return x;
}

class KernelsTest : public ::testing::TestWithParam<std::string> {
 protected:
  const KernelTable& k() const { return kernels_by_name(GetParam()); }
};

// C = act(A W^T + b) through sgemm_tile over the whole matrix, and over a 2 x 2 split of tiles.
TEST_P(KernelsTest, PackedGemmMatchesDoubleReference) {
  const KernelTable& t = k();
  const int64_t ms[] = {1, 3, 17, 40};
  const int64_t ns[] = {1, 7, 33, 100};
  const int64_t ks[] = {1, 5, 33, 300};
  uint32_t seed = 1;
  for (int64_t m : ms) {
    for (int64_t n : ns) {
      for (int64_t kk : ks) {
        for (int variant = 0; variant < 3; ++variant) {
          const bool use_bias = variant != 1;
          const Activation act = variant == 2 ? Activation::kGelu : Activation::kNone;
          const int64_t lda = kk + 3, ldc = n + 5;  // strided views
          std::vector<float> a = random_vector(static_cast<size_t>(m * lda), seed++);
          std::vector<float> w = random_vector(static_cast<size_t>(n * kk), seed++);
          std::vector<float> bias = random_vector(static_cast<size_t>(n), seed++);
          PackedWeights pw = pack_weights(w.data(), n, kk, bias.data(), t.gemm_nr);
          const float sentinel = 12345.0f;
          std::vector<float> c(static_cast<size_t>(m * ldc), sentinel);
          SgemmArgs g;
          g.m = m;
          g.a = a.data();
          g.lda = lda;
          g.w = &pw;
          g.use_bias = use_bias;
          g.act = act;
          g.c = c.data();
          g.ldc = ldc;
          const int64_t panels = pw.num_panels();
          const int64_t mh = m / 2, ph = panels / 2;
          t.sgemm_tile(g, 0, mh, 0, ph);
          t.sgemm_tile(g, 0, mh, ph, panels);
          t.sgemm_tile(g, mh, m, 0, ph);
          t.sgemm_tile(g, mh, m, ph, panels);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
              const float got = c[static_cast<size_t>(i * ldc + j)];
              if (j >= n) {
                ASSERT_EQ(got, sentinel) << "wrote outside C at " << i << "," << j;
                continue;
              }
              double acc = use_bias ? bias[static_cast<size_t>(j)] : 0.0;
              double mag = std::fabs(acc);
              for (int64_t q = 0; q < kk; ++q) {
                double p = static_cast<double>(a[static_cast<size_t>(i * lda + q)]) *
                           w[static_cast<size_t>(j * kk + q)];
                acc += p;
                mag += std::fabs(p);
              }
              // fp32 accumulation error is bounded by a few ulp of the absolute sum.
              const double tol = 4e-7 * (mag + 1.0) * std::sqrt(static_cast<double>(kk));
              ASSERT_NEAR(got, ref_act(acc, act), tol)
                  << t.name << " m=" << m << " n=" << n << " k=" << kk << " at " << i << "," << j;
            }
          }
        }
      }
    }
  }
}

// Shapes beyond one row block of the packed A buffer (MC = 12 * gemm_mr rows) and several K
// blocks, in one sgemm_tile call and split at rows that are not strip multiples, with every
// activation fused at the last K block; plus a tile of panels in the middle of the matrix.
TEST_P(KernelsTest, PackedGemmLargeTilesAndFusedActivations) {
  const KernelTable& t = k();
  uint32_t seed = 500;
  const int64_t m = 12 * t.gemm_mr * 2 + 7, n = 3 * t.gemm_nr + 5, kk = 2 * t.gemm_kc + 9;
  for (Activation act : {Activation::kNone, Activation::kGelu, Activation::kGeluNew, Activation::kRelu, Activation::kTanh}) {
    for (int split : {0, 1}) {
      const int64_t lda = kk + 1, ldc = n + 3;
      std::vector<float> a = random_vector(static_cast<size_t>(m * lda), seed++);
      std::vector<float> w = random_vector(static_cast<size_t>(n * kk), seed++, -0.1f, 0.1f);
      std::vector<float> bias = random_vector(static_cast<size_t>(n), seed++);
      PackedWeights pw = pack_weights(w.data(), n, kk, bias.data(), t.gemm_nr);
      std::vector<float> c(static_cast<size_t>(m * ldc), -7.0f);
      SgemmArgs g;
      g.m = m;
      g.a = a.data();
      g.lda = lda;
      g.w = &pw;
      g.act = act;
      g.c = c.data();
      g.ldc = ldc;
      const int64_t panels = pw.num_panels();
      if (split == 0) {
        t.sgemm_tile(g, 0, m, 0, panels);
      } else {
        const int64_t r = 12 * t.gemm_mr + 5;  // not a strip multiple, past one row block
        t.sgemm_tile(g, 0, r, 0, 1);
        t.sgemm_tile(g, 0, r, 1, 3);  // a middle group of panels
        t.sgemm_tile(g, 0, r, 3, panels);
        t.sgemm_tile(g, r, m, 0, panels);
      }
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < ldc; ++j) {
          const float got = c[static_cast<size_t>(i * ldc + j)];
          if (j >= n) {
            ASSERT_EQ(got, -7.0f) << "wrote outside C at " << i << "," << j;
            continue;
          }
          double acc = bias[static_cast<size_t>(j)], mag = std::fabs(acc);
          for (int64_t q = 0; q < kk; ++q) {
            const double p = static_cast<double>(a[static_cast<size_t>(i * lda + q)]) *
                             w[static_cast<size_t>(j * kk + q)];
            acc += p;
            mag += std::fabs(p);
          }
          const double tol = 4e-7 * (mag + 1.0) * std::sqrt(static_cast<double>(kk));
          ASSERT_NEAR(got, ref_act(acc, act), tol) << t.name << " act " << static_cast<int>(act)
                                                   << " split " << split << " at " << i << "," << j;
        }
      }
    }
  }
}

TEST_P(KernelsTest, ActivationsMatchLibm) {
  const KernelTable& t = k();
  std::vector<float> xs;
  for (int i = -120000; i <= 120000; ++i) xs.push_back(static_cast<float>(i) * 1e-4f);  // [-12, 12]
  for (float x : {-1e30f, -100.0f, -30.0f, 30.0f, 100.0f, 1e30f, 0.0f, -0.0f, 1e-20f, -1e-20f}) {
    xs.push_back(x);
  }
  xs.push_back(0.5f);  // odd length: a tail
  for (Activation act : {Activation::kGelu, Activation::kGeluNew, Activation::kRelu, Activation::kTanh}) {
    std::vector<float> y = xs;
    t.activation(y.data(), static_cast<int64_t>(y.size()), act);
    double worst = 0.0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const double ref = ref_act(xs[i], act);
      // Absolute error ~1e-7 of the erf / tanh part, times the |x| / 2 factor of GELU.
      const double scale = act == Activation::kTanh ? 1.0 : std::max(1.0, 0.5 * std::fabs(xs[i]));
      const double err = std::fabs(y[i] - ref) / scale;
      ASSERT_TRUE(std::isfinite(y[i]))
          << t.name << " act " << static_cast<int>(act) << " x=" << xs[i];
      if (std::fabs(xs[i]) < 1e6f) worst = std::max(worst, err);
      if (std::fabs(xs[i]) >= 1e6f) {
        ASSERT_NEAR(y[i] / scale, ref / scale, 1e-6) << t.name << " x=" << xs[i];
      }
    }
    EXPECT_LE(worst, 2.5e-7) << t.name << " act " << static_cast<int>(act);
  }
}

TEST_P(KernelsTest, SoftmaxIsStableAndExact) {
  const KernelTable& t = k();
  uint32_t seed = 7;
  for (int64_t n : {1, 2, 7, 15, 16, 17, 33, 128, 511}) {
    for (float range : {1.0f, 80.0f, 2000.0f}) {
      std::vector<float> x = random_vector(static_cast<size_t>(n), seed++, -range, range);
      const float scale = 0.125f;
      std::vector<float> y = x;
      t.softmax(y.data(), n, scale);
      double mx = -1e300;
      for (float v : x) mx = std::max(mx, static_cast<double>(v) * scale);
      double sum = 0.0;
      for (float v : x) sum += std::exp(static_cast<double>(v) * scale - mx);
      for (int64_t i = 0; i < n; ++i) {
        const double arg = static_cast<double>(x[static_cast<size_t>(i)]) * scale - mx;
        const double ref = std::exp(arg) / sum;
        ASSERT_TRUE(std::isfinite(y[static_cast<size_t>(i)]));
        // fp32 rounding of the shifted argument (relative ~1e-7 of |arg|) plus a few ulp.
        ASSERT_NEAR(y[static_cast<size_t>(i)], ref, ref * 2.5e-7 * (std::fabs(arg) + 2.0) + 1e-37)
            << t.name << " n=" << n << " range=" << range << " i=" << i;
      }
    }
  }
}

TEST_P(KernelsTest, LayerNormMatchesDoubleReference) {
  const KernelTable& t = k();
  uint32_t seed = 100;
  for (int64_t n : {1, 5, 16, 32, 33, 100, 768}) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool with_bias = variant & 1, with_res = variant & 2;
      // A large common offset checks the two-pass variance.
      std::vector<float> x = random_vector(static_cast<size_t>(n), seed++, 9.0f, 11.0f);
      std::vector<float> bias = random_vector(static_cast<size_t>(n), seed++);
      std::vector<float> res = random_vector(static_cast<size_t>(n), seed++);
      std::vector<float> gamma = random_vector(static_cast<size_t>(n), seed++, 0.5f, 1.5f);
      std::vector<float> beta = random_vector(static_cast<size_t>(n), seed++);
      const float eps = 1e-12f;
      std::vector<double> v(static_cast<size_t>(n));
      double mean = 0.0;
      for (size_t i = 0; i < v.size(); ++i) {
        v[i] =
            static_cast<double>(x[i]) + (with_bias ? bias[i] : 0.0f) + (with_res ? res[i] : 0.0f);
        mean += v[i];
      }
      mean /= n;
      double var = 0.0;
      for (double e : v) var += (e - mean) * (e - mean);
      var /= n;
      // Output written in place over x (aliasing is allowed).
      std::vector<float> out = x;
      t.layer_norm(out.data(), with_bias ? bias.data() : nullptr, with_res ? res.data() : nullptr,
                   gamma.data(), beta.data(), eps, out.data(), n);
      for (size_t i = 0; i < v.size(); ++i) {
        const double ref = (v[i] - mean) / std::sqrt(var + eps) * gamma[i] + beta[i];
        ASSERT_NEAR(out[i], ref, 2e-5 * (std::fabs(ref) + 1.0))
            << t.name << " n=" << n << " variant=" << variant << " i=" << i;
      }
    }
  }
}

TEST_P(KernelsTest, PlainGemmMatchesDoubleReference) {
  const KernelTable& t = k();
  uint32_t seed = 300;
  for (int64_t m : {1, 3, 4, 5, 17}) {
    for (int64_t n : {1, 7, 16, 33, 64}) {
      for (int64_t kk : {1, 9, 64, 130}) {
        const int64_t lda = kk + 2, ldb = n + 3, ldc = n + 1;
        std::vector<float> a = random_vector(static_cast<size_t>(m * lda), seed++);
        std::vector<float> b = random_vector(static_cast<size_t>(kk * ldb), seed++);
        std::vector<float> c(static_cast<size_t>(m * ldc), -7.0f);
        t.gemm_nn(m, n, kk, a.data(), lda, b.data(), ldb, c.data(), ldc);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < ldc; ++j) {
            const float got = c[static_cast<size_t>(i * ldc + j)];
            if (j >= n) {
              ASSERT_EQ(got, -7.0f);
              continue;
            }
            double acc = 0.0, mag = 0.0;
            for (int64_t q = 0; q < kk; ++q) {
              const double p = static_cast<double>(a[static_cast<size_t>(i * lda + q)]) *
                               b[static_cast<size_t>(q * ldb + j)];
              acc += p;
              mag += std::fabs(p);
            }
            ASSERT_NEAR(got, acc, 4e-7 * (mag + 1.0) * std::sqrt(static_cast<double>(kk)))
                << t.name << " m=" << m << " n=" << n << " k=" << kk;
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, KernelsTest, ::testing::ValuesIn(test::test_variant_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return test::variant_test_name(info.param);
                         });

TEST(KernelDispatch, GenericIsAlwaysAvailableAndListedLast) {
  auto tables = available_kernel_tables();
  ASSERT_FALSE(tables.empty());
  EXPECT_STREQ(tables.back()->name, "generic");
  EXPECT_STREQ(select_kernels(nullptr).name, tables.front()->name);
  EXPECT_STREQ(select_kernels("").name, tables.front()->name);
  EXPECT_STREQ(select_kernels("generic").name, "generic");
  EXPECT_NE(active_isa_name(), nullptr);
  for (const KernelTable* t : tables) EXPECT_FALSE(t->emulated) << t->name;
}

TEST(KernelDispatch, UnknownIsaIsAClearError) {
  for (const char* bad : {"sse9", "AVX2 ", "avx2-emu", "generic-emu", "amx-emux", "-emu"}) {
    try {
      select_kernels(bad);
      FAIL() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << bad;
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(KernelDispatch, EveryVariantIsSelectableByName) {
  const std::vector<std::string> want = {"amx", "avx512-bf16", "avx512-vnni", "avx512", "avx2",
                                         "generic"};
  EXPECT_EQ(kernel_variant_names(), want);
  for (const std::string& name : want) {
    if (cpu_supports(name)) {
      EXPECT_EQ(select_kernels(name.c_str()).name, name);
      EXPECT_FALSE(select_kernels(name.c_str()).emulated);
    } else {
      try {
        select_kernels(name.c_str());
        FAIL() << "no error for " << name;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kUnsupported) << name;
        EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      }
    }
    if (can_emulate(name)) {
      const KernelTable& t = select_kernels((name + "-emu").c_str());
      EXPECT_EQ(t.name, name + "-emu");
      EXPECT_TRUE(t.emulated);
    }
  }
}

// The variants compose as documented in kernels.h (field by field).
TEST(KernelDispatch, VariantsHaveTheirKernels) {
  std::vector<const KernelTable*> tables = every_kernel_variant();
  auto by = [&](const std::string& base) -> const KernelTable* {
    for (const KernelTable* t : tables) {
      if (t->name == base || t->name == base + "-emu") return t;
    }
    return nullptr;
  };
  for (const KernelTable* t : tables) {
    EXPECT_NE(t->sgemm_tile, nullptr) << t->name;
    EXPECT_NE(t->i8_gemm_tile, nullptr) << t->name;
    EXPECT_NE(t->bf16_gemm_tile, nullptr) << t->name;
    EXPECT_NE(t->quantize_rows_u8, nullptr) << t->name;
    EXPECT_EQ(t->i8_k_align % t->i8_kgroup, 0) << t->name;
  }
  if (const KernelTable* t = by("avx512-vnni")) {
    EXPECT_EQ(t->i8_code_bytes, 1);
    EXPECT_EQ(packed_layout(*t, WeightDtype::kI8), "int8.k4.nr32");
    EXPECT_FALSE(t->bf16_activations);
  }
  if (const KernelTable* t = by("avx512-bf16")) {
    EXPECT_TRUE(t->bf16_activations);
    EXPECT_EQ(packed_layout(*t, WeightDtype::kBF16), "bf16.k2.nr32");
  }
  if (const KernelTable* t = by("amx")) {  // shares its files' layouts with the AVX-512 GEMMs
    EXPECT_EQ(packed_layout(*t, WeightDtype::kI8), "int8.k4.nr32");
    EXPECT_EQ(packed_layout(*t, WeightDtype::kBF16), "bf16.k2.nr32");
    EXPECT_EQ(t->i8_k_align, 64);
  }
  if (const KernelTable* t = by("avx512")) {
    EXPECT_EQ(t->i8_code_bytes, 2);  // AVX2's int8 GEMM
  }
}

// Says which variants ran natively and which emulated on this machine (the test log keeps it).
TEST(KernelDispatch, EveryVariantRunsNativelyOrEmulated) {
  std::string native, emulated;
  for (const KernelTable* t : every_kernel_variant()) {
    (t->emulated ? emulated : native) += std::string(" ") + t->name;
  }
  std::printf("[variants] native:%s; emulated:%s\n", native.c_str(), emulated.c_str());
  EXPECT_EQ(every_kernel_variant().size(), kernel_variant_names().size())
      << "a variant can neither run natively nor be emulated on this CPU (no AVX2?)";
}

TEST(PackedWeights, LayoutIsPanelMajorWithZeroPadding) {
  const int64_t n = 5, kk = 3;
  std::vector<float> w(n * kk);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i + 1);
  std::vector<float> bias = {1, 2, 3, 4, 5};
  PackedWeights p = pack_weights(w.data(), n, kk, bias.data(), 4);
  ASSERT_EQ(p.num_panels(), 2);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p.data.data()) % 64, 0u);
  for (int64_t j = 0; j < 8; ++j) {
    for (int64_t q = 0; q < kk; ++q) {
      const float got = p.data.data()[(j / 4) * kk * 4 + q * 4 + j % 4];
      EXPECT_EQ(got, j < n ? w[static_cast<size_t>(j * kk + q)] : 0.0f) << j << "," << q;
    }
    EXPECT_EQ(p.bias.data()[j], j < n ? bias[static_cast<size_t>(j)] : 0.0f);
  }
}

}  // namespace
}  // namespace lightbert::kernels
