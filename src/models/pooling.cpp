// models/pooling.cpp: see pooling.h.
#include "models/pooling.h"

#include <algorithm>
#include <cmath>

#include "lightbert/error.h"

namespace lightbert::models {

void pool(const EncoderOutput& out, size_t sequence, Pooling pooling, float* dst) {
  const size_t h = static_cast<size_t>(out.hidden_size);
  const size_t n = static_cast<size_t>(out.row_offsets[sequence + 1] - out.row_offsets[sequence]);
  const float* rows = out.token(sequence, 0);
  switch (pooling) {
    case Pooling::kCls:
      std::copy(rows, rows + h, dst);
      return;
    case Pooling::kMax:
      std::copy(rows, rows + h, dst);
      for (size_t t = 1; t < n; ++t) {
        for (size_t j = 0; j < h; ++j) dst[j] = std::max(dst[j], rows[t * h + j]);
      }
      return;
    case Pooling::kMean: {
      // Accumulate in double: a 512-token mean stays within float rounding of the reference.
      for (size_t j = 0; j < h; ++j) {
        double s = 0.0;
        for (size_t t = 0; t < n; ++t) s += rows[t * h + j];
        dst[j] = static_cast<float>(s / static_cast<double>(n));
      }
      return;
    }
  }
  throw Error(ErrorCode::kInternal, "pool: unknown pooling");
}

void l2_normalize(float* v, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(v[i]) * v[i];
  const double norm = std::max(std::sqrt(s), 1e-12);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(v[i] / norm);
}

}  // namespace lightbert::models
