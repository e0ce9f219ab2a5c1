// kernels/generic/kernels_generic.cpp: the portable kernel table (baseline x86-64 / any CPU).
// Contract: plain C++ with the same blocking as the SIMD tables (4 x 16 GEMM micro-kernel over
// the packed panels, K blocks of 256), libm math (std::erf for GELU, std::tanh, std::exp) and
// double sums for LayerNorm statistics and softmax, so it is the accuracy yardstick for the SIMD
// approximations.
#include <cmath>
#include <cstdint>

#include "kernels/generic/quant_generic.h"
#include "kernels/kernels.h"
#include "kernels/variants.h"

namespace lightbert::kernels {
namespace generic {
namespace {

constexpr int kMr = 4;
constexpr int kNr = 16;
constexpr int kKc = 256;

inline float apply(float x, Activation act) {
  switch (act) {
    case Activation::kGelu:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case Activation::kGeluNew:
      return 0.5f * x * (1.0f + std::tanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case Activation::kRelu:
      return x < 0.0f ? 0.0f : x;  // NaN stays NaN (as the SIMD tables' max(0, x))
    case Activation::kTanh:
      return std::tanh(x);
    case Activation::kNone:
      break;
  }
  return x;
}

void activation(float* x, int64_t n, Activation act) {
  if (act == Activation::kNone) return;
  for (int64_t i = 0; i < n; ++i) x[i] = apply(x[i], act);
}

// rows x kNr block of C over kc steps; init: 0 zero, 1 bias, 2 accumulate onto C.
void micro_kernel(int rows, int64_t kc, const float* a, int64_t lda, const float* b,
                  const float* bias, int init, float* c, int64_t ldc, int nvalid) {
  float acc[kMr][kNr];
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < kNr; ++j) {
      acc[i][j] = init == 2 ? (j < nvalid ? c[i * ldc + j] : 0.0f) : init == 1 ? bias[j] : 0.0f;
    }
  }
  for (int64_t k = 0; k < kc; ++k) {
    const float* brow = b + k * kNr;
    for (int i = 0; i < rows; ++i) {
      const float av = a[i * lda + k];
      for (int j = 0; j < kNr; ++j) acc[i][j] += av * brow[j];
    }
  }
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < nvalid; ++j) c[i * ldc + j] = acc[i][j];
  }
}

void sgemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  const PackedWeights& w = *g.w;
  const int64_t n = w.n;
  const int64_t k = w.k;
  int64_t k0 = 0;
  do {
    const int64_t kc = k - k0 < kKc ? k - k0 : kKc;
    const int init = k0 > 0 ? 2 : (g.use_bias ? 1 : 0);
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n0 = p * kNr;
      const int nvalid = static_cast<int>(n - n0 < kNr ? n - n0 : kNr);
      for (int64_t m = m0; m < m1; m += kMr) {
        const int rows = static_cast<int>(m1 - m < kMr ? m1 - m : kMr);
        micro_kernel(rows, kc, g.a + m * g.lda + k0, g.lda, w.panel(p) + k0 * kNr,
                     w.bias.data() + n0, init, g.c + m * g.ldc + n0, g.ldc, nvalid);
      }
    }
    k0 += kc;
  } while (k0 < k);
  if (g.act != Activation::kNone) {
    const int64_t c0 = p0 * kNr;
    const int64_t c1 = p1 * kNr < n ? p1 * kNr : n;
    for (int64_t m = m0; m < m1; ++m) activation(g.c + m * g.ldc + c0, c1 - c0, g.act);
  }
}

void layer_norm(const float* x, const float* bias, const float* residual, const float* gamma,
                const float* beta, float eps, float* out, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    float v =
        x[i] + (bias != nullptr ? bias[i] : 0.0f) + (residual != nullptr ? residual[i] : 0.0f);
    out[i] = v;
    sum += v;
  }
  const double mean = sum / static_cast<double>(n);
  double var = 0.0;
  for (int64_t i = 0; i < n; ++i) var += (out[i] - mean) * (out[i] - mean);
  var /= static_cast<double>(n);
  const float rstd = static_cast<float>(1.0 / std::sqrt(var + eps));
  const float fmean = static_cast<float>(mean);
  for (int64_t i = 0; i < n; ++i) out[i] = (out[i] - fmean) * rstd * gamma[i] + beta[i];
}

void softmax(float* x, int64_t n, float scale) {
  if (n <= 0) return;
  float mx = x[0];
  for (int64_t i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp((x[i] - mx) * scale);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void gemm_nn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
             int64_t ldb, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    float* crow = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) crow[j] = 0.0f;
    for (int64_t kk = 0; kk < k; ++kk) {
      const float av = a[i * lda + kk];
      const float* brow = b + kk * ldb;
      for (int64_t j = 0; j < n; ++j) crow[j] += av * brow[j];
    }
  }
}

// 8 independent scalar chains (the compiler may vectorise them; it is only a probe).
double fma_probe(int64_t iterations) {
  float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int64_t i = 0; i < iterations; ++i) {
    for (float& a : acc) a = a * 0.999999f + 1e-6f;
  }
  volatile float sink = acc[0] + acc[7];
  (void)sink;
  return 16.0 * static_cast<double>(iterations);
}

}  // namespace

void fill(KernelTable& t) {
  t.gemm_nr = kNr;
  t.gemm_mr = kMr;
  t.gemm_kc = kKc;
  t.sgemm_tile = &sgemm_tile;
  t.activation = &activation;
  t.layer_norm = &layer_norm;
  t.softmax = &softmax;
  t.gemm_nn = &gemm_nn;
  t.bf16_nr = kNr;
  t.bf16_activations = false;
  t.bf16_gemm_tile = &bf16_gemm_tile;
  t.i8_nr = kNr;
  t.i8_kgroup = 2;
  t.i8_qmax = 127;
  t.i8_mr = kMr;
  t.i8_code_bytes = 1;
  t.i8_k_align = 2;
  t.quantize_rows_u8 = &quantize_rows_u8;
  t.i8_gemm_tile = &i8_gemm_tile;
}

void fill_probes(KernelProbes& p) {
  p.fma = &fma_probe;
  p.int8 = &int8_probe;
  p.bf16 = nullptr;
}

}  // namespace generic
}  // namespace lightbert::kernels
