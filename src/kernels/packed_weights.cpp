// kernels/packed_weights.cpp: see packed_weights.h.
#include "kernels/packed_weights.h"

#include <cstring>

namespace lightbert::kernels {

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
