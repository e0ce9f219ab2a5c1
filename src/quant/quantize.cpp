// quant/quantize.cpp: see quantize.h.
#include "quant/quantize.h"

#include <cmath>
#include <cstring>

namespace lightbert::quant {

uint16_t float_to_bf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof(u));
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float bf16_to_float(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float x;
  std::memcpy(&x, &u, sizeof(x));
  return x;
}

float quantize_weight_row_s8(const float* w, int64_t k, int8_t* q, int qmax) {
  const float top = static_cast<float>(qmax);
  float amax = 0.0f;
  bool finite = true;
  for (int64_t i = 0; i < k; ++i) {
    amax = std::fabs(w[i]) > amax ? std::fabs(w[i]) : amax;
    finite = finite && std::isfinite(w[i]);
  }
  const float scale = !finite ? std::nanf("") : amax > 0.0f ? amax / top : 1.0f;
  for (int64_t i = 0; i < k; ++i) {
    float v = std::nearbyint(w[i] / scale);
    v = v >= -top ? (v > top ? top : v) : -top;  // NaN -> -qmax
    q[i] = static_cast<int8_t>(v);
  }
  return scale;
}

void u8_params(float lo, float hi, float* scale, int32_t* zero) {
  const float s = (hi - lo) / 255.0f;
  if (!(s > 0.0f) || !std::isfinite(s)) {
    *scale = 1.0f;
    *zero = 0;
    return;
  }
  float z = std::nearbyint(-lo / s);
  z = z < 0.0f ? 0.0f : (z > 255.0f ? 255.0f : z);
  *scale = s;
  *zero = static_cast<int32_t>(z);
}

void nonfinite_u8_params(float* scale, int32_t* zero) {
  *scale = std::nanf("");
  *zero = 0;
}

void quantize_row_u8(const float* x, int64_t k, uint8_t* q, float* scale, int32_t* zero) {
  float lo = 0.0f, hi = 0.0f;
  bool finite = true;
  for (int64_t i = 0; i < k; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
    finite = finite && std::isfinite(x[i]);
  }
  u8_params(lo, hi, scale, zero);
  if (!finite) nonfinite_u8_params(scale, zero);
  const float inv = 1.0f / *scale;
  const float zf = static_cast<float>(*zero);
  for (int64_t i = 0; i < k; ++i) {
    float v = std::nearbyint(x[i] * inv) + zf;
    v = v >= 0.0f ? (v > 255.0f ? 255.0f : v) : 0.0f;  // NaN -> 0
    q[i] = static_cast<uint8_t>(v);
  }
}

}  // namespace lightbert::quant
