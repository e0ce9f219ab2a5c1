// kernels/simd_math.h: element-wise and row kernels written once over a vector type V
// (avx2::Vec, avx512::Vec), instantiated inside each ISA's translation unit.
// Contract: templates only (each instantiation is distinct per V, so no code compiled with one
// ISA's flags can leak into another table). Accuracy: exp ~2 ulp; erf absolute error ~1e-7
// (Numerical Recipes' erfc with float evaluation); tanh absolute error ~1e-7. Tails are handled
// with partial loads/stores, never reading or writing past n.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"
#include "quant/quantize.h"

namespace lightbert::kernels::simd {

// exp(x), x clamped to [-87.3, 88] (results stay normal, never inf), NaN propagated: the clamp
// keeps x second in max / min, whose x86 instructions return the second operand when either is
// NaN. Cephes expf polynomial.
template <typename V>
inline V exp(V x) {
  x = V::min(V::set1(88.0f), V::max(V::set1(-87.33654f), x));
  V n = V::round_nearest(x * V::set1(1.44269504088896341f));
  V r = V::fma(n, V::set1(-0.693359375f), x);
  r = V::fma(n, V::set1(2.12194440e-4f), r);
  V p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  V y = V::fma(p, r * r, r + V::set1(1.0f));
  return y * V::pow2(n);
}

// erf(x) = 1 - erfc(|x|) with sign; erfc from Numerical Recipes (fractional error < 1.2e-7).
template <typename V>
inline V erf(V x) {
  V z = V::min(V::set1(10.0f), V::abs(x));  // NaN stays NaN
  V t = V::set1(1.0f) / V::fma(z, V::set1(0.5f), V::set1(1.0f));
  V p = V::set1(0.17087277f);
  p = V::fma(p, t, V::set1(-0.82215223f));
  p = V::fma(p, t, V::set1(1.48851587f));
  p = V::fma(p, t, V::set1(-1.13520398f));
  p = V::fma(p, t, V::set1(0.27886807f));
  p = V::fma(p, t, V::set1(-0.18628806f));
  p = V::fma(p, t, V::set1(0.09678418f));
  p = V::fma(p, t, V::set1(0.37409196f));
  p = V::fma(p, t, V::set1(1.00002368f));
  p = V::fma(p, t, V::set1(-1.26551223f));
  V erfc = t * exp(p - z * z);
  return V::copysign(V::set1(1.0f) - erfc, x);
}

// tanh(x) = sign(x) * (1 - 2 / (exp(2|x|) + 1)).
template <typename V>
inline V tanh(V x) {
  V z = V::min(V::set1(10.0f), V::abs(x));  // NaN stays NaN; tanh(+-10) rounds to +-1 exactly
  V e = exp(z + z);
  V r = V::set1(1.0f) - V::set1(2.0f) / (e + V::set1(1.0f));
  return V::copysign(r, x);
}

template <typename V>
inline V apply(V x, Activation act) {
  switch (act) {
    case Activation::kGelu:  // 0.5 x (1 + erf(x / sqrt 2))
      return V::set1(0.5f) * x * (V::set1(1.0f) + erf(x * V::set1(0.70710678118654752f)));
    case Activation::kGeluNew: {  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      V inner = x * V::fma(V::set1(0.044715f) * x, x, V::set1(1.0f));
      return V::set1(0.5f) * x * (V::set1(1.0f) + tanh(inner * V::set1(0.79788456080286536f)));
    }
    case Activation::kRelu:
      return V::max(V::zero(), x);  // NaN stays NaN (second operand)
    case Activation::kTanh:
      return tanh(x);
    case Activation::kNone:
      break;
  }
  return x;
}

template <typename V>
void activation(float* x, int64_t n, Activation act) {
  if (act == Activation::kNone) return;
  constexpr int W = V::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) apply(V::load(x + i), act).store(x + i);
  if (i < n) {
    int rest = static_cast<int>(n - i);
    apply(V::load_partial(x + i, rest), act).store_partial(x + i, rest);
  }
}

template <typename V>
void softmax(float* x, int64_t n, float scale) {
  constexpr int W = V::kWidth;
  if (n <= 0) return;
  float mx = x[0];
  int64_t i = 0;
  if (n >= W) {
    V vmax = V::load(x);
    for (i = W; i + W <= n; i += W) vmax = V::max(vmax, V::load(x + i));
    mx = V::reduce_max(vmax);
  }
  for (; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  const V vscale = V::set1(scale);
  const V shift = V::set1(mx * scale);
  V vsum = V::zero();
  for (i = 0; i + W <= n; i += W) {
    V e = exp(V::fma(V::load(x + i), vscale, V::zero() - shift));
    e.store(x + i);
    vsum = vsum + e;
  }
  if (i < n) {
    int rest = static_cast<int>(n - i);
    V e = V::keep_first(exp(V::fma(V::load_partial(x + i, rest), vscale, V::zero() - shift)), rest);
    e.store_partial(x + i, rest);
    vsum = vsum + e;
  }
  const V inv = V::set1(1.0f / V::reduce_add(vsum));
  for (i = 0; i + W <= n; i += W) (V::load(x + i) * inv).store(x + i);
  if (i < n) {
    int rest = static_cast<int>(n - i);
    (V::load_partial(x + i, rest) * inv).store_partial(x + i, rest);
  }
}

// out = LayerNorm(x + bias + residual) * gamma + beta (two-pass mean / variance).
template <typename V>
void layer_norm(const float* x, const float* bias, const float* residual, const float* gamma,
                const float* beta, float eps, float* out, int64_t n) {
  constexpr int W = V::kWidth;
  // Loads `rest` lanes (all W when rest == W), zeros elsewhere.
  auto load = [](const float* p, int rest) {
    return rest == W ? V::load(p) : V::load_partial(p, rest);
  };
  auto store = [](V v, float* p, int rest) {
    if (rest == W) {
      v.store(p);
    } else {
      v.store_partial(p, rest);
    }
  };
  auto lanes = [n](int64_t i) { return n - i >= W ? W : static_cast<int>(n - i); };

  V vsum = V::zero();
  for (int64_t i = 0; i < n; i += W) {
    int rest = lanes(i);
    V v = load(x + i, rest);
    if (bias != nullptr) v = v + load(bias + i, rest);
    if (residual != nullptr) v = v + load(residual + i, rest);
    store(v, out + i, rest);
    vsum = vsum + v;  // lanes beyond `rest` are zero
  }
  const float mean = V::reduce_add(vsum) / static_cast<float>(n);
  const V vmean = V::set1(mean);
  V vvar = V::zero();
  for (int64_t i = 0; i < n; i += W) {
    int rest = lanes(i);
    V d = V::keep_first(load(out + i, rest) - vmean, rest);
    vvar = V::fma(d, d, vvar);
  }
  const float var = V::reduce_add(vvar) / static_cast<float>(n);
  const V rstd = V::set1(1.0f / __builtin_sqrtf(var + eps));
  for (int64_t i = 0; i < n; i += W) {
    int rest = lanes(i);
    V y = (load(out + i, rest) - vmean) * rstd;
    store(V::fma(y, load(gamma + i, rest), load(beta + i, rest)), out + i, rest);
  }
}

// The u8 quantisation parameters of one row of k floats (quant/quantize.h's rule, bit-exact:
// range [min(0, min x), max(0, max x)]; a row holding a non-finite value gets scale NaN, zero 0).
template <typename V>
void u8_row_params(const float* src, int64_t k, float* scale, int32_t* zero) {
  constexpr int W = V::kWidth;
  V lo = V::zero(), hi = V::zero(), bad = V::zero();  // bad: NaN if any x is non-finite
  int64_t i = 0;
  for (; i + W <= k; i += W) {
    const V v = V::load(src + i);
    lo = V::min(lo, v);
    hi = V::max(hi, v);
    bad = V::fma(v, V::zero(), bad);
  }
  if (i < k) {
    const V v = V::load_partial(src + i, static_cast<int>(k - i));  // zeros beyond k
    lo = V::min(lo, v);
    hi = V::max(hi, v);
    bad = V::fma(v, V::zero(), bad);
  }
  alignas(64) float lanes[W];
  float lo_s = 0.0f, hi_s = 0.0f;
  lo.store(lanes);
  for (float l : lanes) lo_s = l < lo_s ? l : lo_s;
  hi.store(lanes);
  for (float h : lanes) hi_s = h > hi_s ? h : hi_s;
  quant::u8_params(lo_s, hi_s, scale, zero);
  if (V::reduce_add(bad) != 0.0f) quant::nonfinite_u8_params(scale, zero);  // NaN
}

}  // namespace lightbert::kernels::simd
