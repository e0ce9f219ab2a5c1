// kernels/packed_weights.h: a Linear layer's weight + bias, packed once into the GEMM's layout.
// Contract: pack_weights(W [n, k] row-major as in PyTorch's nn.Linear, bias [n] or null, nr)
// stores W^T in panels of `nr` output columns: element (k_i, n_j) sits at
//   data[(n_j / nr) * k * nr + k_i * nr + n_j % nr],
// columns beyond n zero-filled; bias is padded with zeros to num_panels * nr. The buffer is
// 64-byte aligned. A PackedWeights is only valid for kernel tables with the same gemm_nr.
#pragma once

#include <cstdint>

#include "tensor/aligned_buffer.h"

namespace lightbert::kernels {

// The element type a Linear's weights are stored and multiplied in (activations stay fp32 at
// the op boundary). Only kF32 is packed by pack_weights; the others by the quantised packers.
enum class WeightDtype { kF32, kBF16, kI8 };
const char* weight_dtype_name(WeightDtype dtype) noexcept;  // "fp32", "bf16", "int8"
// Parses "fp32" | "bf16" | "int8"; throws lightbert::Error(kInvalidArgument) otherwise.
WeightDtype parse_weight_dtype(const char* name);

struct PackedWeights {
  WeightDtype dtype = WeightDtype::kF32;
  int64_t n = 0;  // output features
  int64_t k = 0;  // input features
  int nr = 0;     // panel width
  tensor::AlignedBuffer data;
  tensor::AlignedBuffer bias;  // padded to num_panels() * nr (zeros when there is no bias)

  int64_t num_panels() const { return nr == 0 ? 0 : (n + nr - 1) / nr; }
  const float* panel(int64_t p) const { return data.data() + p * k * nr; }
};

PackedWeights pack_weights(const float* w, int64_t n, int64_t k, const float* bias, int nr);

}  // namespace lightbert::kernels
