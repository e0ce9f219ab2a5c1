// tests/unit/quantized_rows_test.cpp: int8 row tables (quant/quantized_rows.h, the int8 word
// embeddings) against a double-precision reading of the rule: scale = max|row| / 127, codes
// round(x / scale) in [-127, 127], every value within half a step, all-zero rows exact.
#include "quant/quantized_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace lightbert::quant {
namespace {

TEST(QuantizedRows, DequantisedRowsAreWithinHalfAStep) {
  const int64_t rows = 37, cols = 77;
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.0f, 0.7f);
  std::vector<float> x(static_cast<size_t>(rows * cols));
  for (float& v : x) v = d(rng);
  for (int64_t i = 0; i < cols; ++i) x[static_cast<size_t>(3 * cols + i)] = 0.0f;  // a zero row
  x[static_cast<size_t>(5 * cols + 7)] = -9.0f;  // an outlier sets its row's scale
  const QuantizedRows q = quantize_table_s8(x.data(), rows, cols);
  ASSERT_EQ(q.rows, rows);
  ASSERT_EQ(q.cols, cols);
  std::vector<float> out(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    double amax = 0;
    for (int64_t i = 0; i < cols; ++i)
      amax = std::max(amax, std::fabs(static_cast<double>(x[static_cast<size_t>(r * cols + i)])));
    const double step = amax > 0 ? amax / 127.0 : 1.0;
    EXPECT_NEAR(q.scales[r], step, step * 1e-6) << r;
    q.dequantize_row(r, out.data());
    for (int64_t i = 0; i < cols; ++i) {
      const double v = x[static_cast<size_t>(r * cols + i)];
      const int code = q.codes[r * cols + i];
      EXPECT_LE(std::abs(code), 127);
      EXPECT_LE(std::fabs(out[static_cast<size_t>(i)] - v), step * 0.5 * (1 + 1e-5))
          << r << "," << i;
    }
  }
  q.dequantize_row(3, out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
  q.dequantize_row(5, out.data());
  EXPECT_EQ(out[7], -9.0f);  // the row maximum is code -127 exactly
}

}  // namespace
}  // namespace lightbert::quant
