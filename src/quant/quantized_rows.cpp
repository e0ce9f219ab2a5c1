// quant/quantized_rows.cpp: see quantized_rows.h.
#include "quant/quantized_rows.h"

#include <cstdlib>
#include <new>

#include "quant/quantize.h"

namespace lightbert::quant {

QuantizedRows quantize_table_s8(const float* x, int64_t rows, int64_t cols) {
  QuantizedRows t;
  t.rows = rows;
  t.cols = cols;
  // One block: the codes, then the scales at a 64-byte boundary.
  const size_t code_bytes = (static_cast<size_t>(rows * cols) + 63) / 64 * 64;
  const size_t total = (code_bytes + static_cast<size_t>(rows) * sizeof(float) + 63) / 64 * 64;
  void* block = std::aligned_alloc(64, total > 0 ? total : 64);
  if (block == nullptr) throw std::bad_alloc();
  std::shared_ptr<void> owner(block, [](void* p) { std::free(p); });
  auto* codes = static_cast<int8_t*>(block);
  auto* scales = reinterpret_cast<float*>(static_cast<uint8_t*>(block) + code_bytes);
  for (int64_t r = 0; r < rows; ++r)
    scales[r] = quantize_weight_row_s8(x + r * cols, cols, codes + r * cols);
  t.codes = codes;
  t.scales = scales;
  t.owner = std::move(owner);
  return t;
}

}  // namespace lightbert::quant
