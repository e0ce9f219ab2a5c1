// tests/unit/quant_templates_test.cpp: the AVX-512 VNNI int8 and AVX512_BF16 GEMM templates
// (kernels/simd_quant_dot.h) instantiated on plain-C++ emulations of vpdpbusd / vdpbf16ps and a
// 16-lane fp32 vector, with the avx512 table's geometry (8-row strips, panels of 32 columns, K
// quads / pairs), against independent references: int64 sums of the integer operands (exact,
// edge shapes, extremes 0/255 x -127/127) and a double product of bf16-rounded operands. This
// covers their loop logic on CPUs that cannot execute those instructions (this one included);
// only the thin intrinsic wrappers in avx512/quant_avx512.cpp are left to a CPU that has them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/packed_weights.h"
#include "kernels/simd_quant_dot.h"
#include "quant/quantize.h"

namespace lightbert::kernels::emulated {

struct Vec16 {
  static constexpr int kWidth = 16;
  float v[16];
  static Vec16 zero() { return set1(0.0f); }
  static Vec16 set1(float x) {
    Vec16 r;
    for (float& e : r.v) e = x;
    return r;
  }
  static Vec16 load(const float* p) {
    Vec16 r;
    std::memcpy(r.v, p, sizeof(r.v));
    return r;
  }
  static Vec16 load_partial(const float* p, int n) {
    Vec16 r = zero();
    for (int i = 0; i < n; ++i) r.v[i] = p[i];
    return r;
  }
  void store(float* p) const { std::memcpy(p, v, sizeof(v)); }
  void store_partial(float* p, int n) const {
    for (int i = 0; i < n; ++i) p[i] = v[i];
  }
  template <typename F>
  static Vec16 map(Vec16 a, Vec16 b, F f) {
    for (int i = 0; i < 16; ++i) a.v[i] = f(a.v[i], b.v[i]);
    return a;
  }
  friend Vec16 operator+(Vec16 a, Vec16 b) {
    return map(a, b, [](float x, float y) { return x + y; });
  }
  friend Vec16 operator-(Vec16 a, Vec16 b) {
    return map(a, b, [](float x, float y) { return x - y; });
  }
  friend Vec16 operator*(Vec16 a, Vec16 b) {
    return map(a, b, [](float x, float y) { return x * y; });
  }
  friend Vec16 operator/(Vec16 a, Vec16 b) {
    return map(a, b, [](float x, float y) { return x / y; });
  }
  static Vec16 fma(Vec16 a, Vec16 b, Vec16 c) {
    for (int i = 0; i < 16; ++i) a.v[i] = std::fma(a.v[i], b.v[i], c.v[i]);
    return a;
  }
  static Vec16 max(Vec16 a, Vec16 b) {
    return map(a, b, [](float x, float y) { return x > y ? x : y; });
  }
  static Vec16 min(Vec16 a, Vec16 b) {
    return map(a, b, [](float x, float y) { return x < y ? x : y; });
  }
  static Vec16 abs(Vec16 a) {
    return map(a, a, [](float x, float) { return std::fabs(x); });
  }
  static Vec16 copysign(Vec16 m, Vec16 s) {
    return map(m, s, [](float x, float y) { return std::copysign(x, y); });
  }
  static Vec16 round_nearest(Vec16 a) {
    return map(a, a, [](float x, float) { return std::nearbyint(x); });
  }
  static Vec16 pow2(Vec16 n) {
    return map(n, n, [](float x, float) { return std::ldexp(1.0f, static_cast<int>(x)); });
  }
};

// vpdpbusd on 16 int32 lanes: acc += sum over 4 bytes of u8(a) * s8(b), no saturation.
struct VnniDot {
  struct I {
    int32_t l[16];
    uint8_t bytes[64];
  };
  static I zero() {
    I r{};
    return r;
  }
  static I load(const int8_t* p) {
    I r{};
    std::memcpy(r.bytes, p, 64);
    return r;
  }
  static I bcast4(const uint8_t* p) {
    I r{};
    for (int i = 0; i < 16; ++i) std::memcpy(r.bytes + 4 * i, p, 4);
    return r;
  }
  static I dpbusd(I acc, const I& a, const I& b) {
    for (int i = 0; i < 16; ++i) {
      for (int t = 0; t < 4; ++t) {
        acc.l[i] += static_cast<int32_t>(a.bytes[4 * i + t]) *
                    static_cast<int32_t>(static_cast<int8_t>(b.bytes[4 * i + t]));
      }
    }
    return acc;
  }
  static Vec16 dequant(const I& acc, int32_t zero, const int32_t* sums) {
    Vec16 r;
    for (int i = 0; i < 16; ++i) r.v[i] = static_cast<float>(acc.l[i] - zero * sums[i]);
    return r;
  }
};

// vdpbf16ps: acc += a.hi * b.odd, then + a.lo * b.even (bf16 products are exact in fp32).
struct Bf16Dot {
  static Vec16 dpbf16(Vec16 acc, uint32_t a, const uint16_t* b) {
    const float lo = quant::bf16_to_float(static_cast<uint16_t>(a & 0xffffu));
    const float hi = quant::bf16_to_float(static_cast<uint16_t>(a >> 16));
    for (int i = 0; i < 16; ++i) {
      acc.v[i] += hi * quant::bf16_to_float(b[2 * i + 1]);
      acc.v[i] += lo * quant::bf16_to_float(b[2 * i]);
    }
    return acc;
  }
};

namespace {

TEST(QuantTemplates, VnniInt8SumsAreExact) {
  std::mt19937 rng(3);
  for (int64_t m : {1, 5, 7, 13, 20}) {
    for (int64_t k : {1, 3, 5, 33, 260}) {
      for (int64_t n : {1, 17, 31, 33, 70}) {
        for (int pattern : {0, 1}) {  // random / extremes 255 x +-127 and 0
          std::uniform_int_distribution<int> code(0, 255), wv(-127, 127);
          std::vector<uint8_t> a(static_cast<size_t>(m * k));
          std::vector<float> w(static_cast<size_t>(n * k));
          for (size_t i = 0; i < a.size(); ++i) {
            a[i] = static_cast<uint8_t>(pattern == 0 ? code(rng) : (i % 3 == 2 ? 0 : 255));
          }
          for (size_t i = 0; i < w.size(); ++i) {
            w[i] = static_cast<float>(pattern == 0 ? wv(rng) : (i % 2 ? 127 : -127));
          }
          for (int64_t j = 0; j < n; ++j) w[static_cast<size_t>(j * k)] = 127.0f;  // scale 1
          const PackedWeights pw = pack_weights_int8(w.data(), n, k, nullptr, 32, 4, 127);
          const int64_t lda = pw.k_padded() + 4;
          std::vector<uint8_t> codes(static_cast<size_t>(m * lda), 0);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t q = 0; q < k; ++q)
              codes[static_cast<size_t>(i * lda + q)] = a[static_cast<size_t>(i * k + q)];
          }
          std::vector<float> scale(static_cast<size_t>(m), 1.0f);
          std::vector<int32_t> zero(static_cast<size_t>(m));
          for (int64_t i = 0; i < m; ++i)
            zero[static_cast<size_t>(i)] = static_cast<int32_t>(i * 29 % 256);
          const int64_t ldc = n + 1;
          std::vector<float> c(static_cast<size_t>(m * ldc), -7.0f);
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
          simd::dot_i8_gemm_tile<VnniDot, Vec16, 8>(g, 0, m, 0, pw.num_panels());
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
              const float got = c[static_cast<size_t>(i * ldc + j)];
              if (j >= n) {
                ASSERT_EQ(got, -7.0f);
                continue;
              }
              int64_t sum = 0, col = 0;
              for (int64_t q = 0; q < k; ++q) {
                const int64_t wq = static_cast<int64_t>(w[static_cast<size_t>(j * k + q)]);
                sum += a[static_cast<size_t>(i * k + q)] * wq;
                col += wq;
              }
              ASSERT_EQ(static_cast<double>(got),
                        static_cast<double>(sum - zero[static_cast<size_t>(i)] * col))
                  << "m " << m << " k " << k << " n " << n << " at " << i << "," << j;
            }
          }
        }
      }
    }
  }
}

TEST(QuantTemplates, Dpbf16GemmMatchesBf16RoundedOperands) {
  std::mt19937 rng(4);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int64_t m : {1, 7, 13, 100}) {
    for (auto [n, k] : {std::pair<int64_t, int64_t>{1, 1}, {33, 5}, {64, 257}, {40, 600}}) {
      const int64_t lda = k + 2, ldc = n + 3;
      std::vector<float> a(static_cast<size_t>(m * lda)), w(static_cast<size_t>(n * k)),
          b(static_cast<size_t>(n));
      for (float& x : a) x = dist(rng);
      for (float& x : w) x = 0.1f * dist(rng);
      for (float& x : b) x = dist(rng);
      const PackedWeights pw = pack_weights_bf16(w.data(), n, k, b.data(), 32);
      std::vector<float> c(static_cast<size_t>(m * ldc), 5.0f);
      SgemmArgs g;
      g.m = m;
      g.a = a.data();
      g.lda = lda;
      g.w = &pw;
      g.act = Activation::kRelu;
      g.c = c.data();
      g.ldc = ldc;
      simd::dot_bf16_gemm_tile<Bf16Dot, Vec16, 8, 256>(g, 0, m / 2, 0, pw.num_panels());
      simd::dot_bf16_gemm_tile<Bf16Dot, Vec16, 8, 256>(g, m / 2, m, 0, pw.num_panels());
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < ldc; ++j) {
          const float got = c[static_cast<size_t>(i * ldc + j)];
          if (j >= n) {
            ASSERT_EQ(got, 5.0f);
            continue;
          }
          double ref = b[static_cast<size_t>(j)], mag = std::fabs(ref);
          for (int64_t q = 0; q < k; ++q) {
            const double x =
                quant::bf16_to_float(quant::float_to_bf16(a[static_cast<size_t>(i * lda + q)]));
            const double y =
                quant::bf16_to_float(quant::float_to_bf16(w[static_cast<size_t>(j * k + q)]));
            ref += x * y;
            mag += std::fabs(x * y);
          }
          ref = ref > 0 ? ref : 0;
          ASSERT_NEAR(got, ref, 2e-6 * mag + 1e-6) << "m " << m << " n " << n << " k " << k;
        }
      }
    }
  }
}

}  // namespace
}  // namespace lightbert::kernels::emulated
