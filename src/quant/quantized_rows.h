// quant/quantized_rows.h: a table of int8 rows with one symmetric scale per row (the int8 word
// embeddings: a [vocab, E] table read one row per token, never multiplied as a matrix).
// Contract: row r holds codes[r * cols .. +cols) with x ~= scales[r] * code, codes from
// quant::quantize_weight_row_s8 (qmax 127, round half to even; scale 1 for an all-zero row).
// Arrays are views; `owner` keeps their memory alive (the quantiser's own block, or a loader's
// mapping of a model file). dequantize_row writes `cols` floats; r must be in [0, rows).
#pragma once

#include <cstdint>
#include <memory>

namespace lightbert::quant {

struct QuantizedRows {
  int64_t rows = 0;
  int64_t cols = 0;
  const int8_t* codes = nullptr;  // [rows, cols]
  const float* scales = nullptr;  // [rows]
  std::shared_ptr<const void> owner;

  bool empty() const { return rows == 0; }
  void dequantize_row(int64_t r, float* out) const {
    const int8_t* q = codes + r * cols;
    const float s = scales[r];
    for (int64_t i = 0; i < cols; ++i) out[i] = s * static_cast<float>(q[i]);
  }
};

// Quantises a [rows, cols] float table (memory owned by the result, 64-byte aligned).
QuantizedRows quantize_table_s8(const float* x, int64_t rows, int64_t cols);

}  // namespace lightbert::quant
