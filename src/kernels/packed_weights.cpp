// kernels/packed_weights.cpp: see packed_weights.h.
#include "kernels/packed_weights.h"

#include <cstring>
#include <string>

#include "lightbert/error.h"

namespace lightbert::kernels {

const char* weight_dtype_name(WeightDtype dtype) noexcept {
  switch (dtype) {
    case WeightDtype::kF32:
      return "fp32";
    case WeightDtype::kBF16:
      return "bf16";
    case WeightDtype::kI8:
      return "int8";
  }
  return "?";
}

WeightDtype parse_weight_dtype(const char* name) {
  const std::string s = name == nullptr ? "" : name;
  if (s == "fp32" || s == "float32") return WeightDtype::kF32;
  if (s == "bf16" || s == "bfloat16") return WeightDtype::kBF16;
  if (s == "int8") return WeightDtype::kI8;
  throw Error(ErrorCode::kInvalidArgument, "dtype must be fp32, bf16 or int8, got '" + s + "'");
}

PackedWeights pack_weights(const float* w, int64_t n, int64_t k, const float* bias, int nr) {
  PackedWeights p;
  p.n = n;
  p.k = k;
  p.nr = nr;
  const int64_t panels = p.num_panels();
  float* dst = p.data.assign_zero(static_cast<size_t>(panels * k * nr));
  for (int64_t j = 0; j < n; ++j) {
    float* col = dst + (j / nr) * k * nr + j % nr;
    const float* src = w + j * k;
    for (int64_t i = 0; i < k; ++i) col[i * nr] = src[i];
  }
  float* b = p.bias.assign_zero(static_cast<size_t>(panels * nr));
  if (bias != nullptr) std::memcpy(b, bias, static_cast<size_t>(n) * sizeof(float));
  return p;
}

}  // namespace lightbert::kernels
