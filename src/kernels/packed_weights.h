// kernels/packed_weights.h: a Linear layer's weight + bias, packed once into a GEMM's layout, in
// fp32, bf16 or int8, in memory it owns or borrows (e.g. an mmapped model file).
// Contract:
//  * Panels of `nr` output columns; inside a panel K runs in groups of `kgroup` consecutive K
//    steps, each column's group stored contiguously. Element (k_i, n_j) of W^T sits at
//      panel (n_j / nr) + (k_i / kgroup) * nr * kgroup + (n_j % nr) * kgroup + k_i % kgroup
//    where a panel holds k_padded() * nr elements (k_padded = k rounded up to kgroup). Columns
//    beyond n and K steps beyond k are zero. fp32 uses kgroup 1 (so element (k_i, n_j) is at
//    data[(n_j / nr) * k * nr + k_i * nr + n_j % nr], the fp32 layout of old); bf16 kgroup 2
//    (vdpbf16ps pairs); int8 kgroup 4 (vpmaddubsw / vpdpbusd quads) or 2 (the generic table).
//  * kF32 panels in `data`; kBF16 in `bf16` (bf16 bit patterns, round-to-nearest-even from fp32);
//    kI8 in `i8`: W[j][i] ~= scales[j] * q[j][i], q in [-qmax, qmax] (symmetric, one scale per
//    output column; qmax 127 in every table: AVX2 splits activations by sign so vpmaddubsw stays
//    exact with full 8-bit codes; a qmax other than 127 is only read back from older files), with
//    col_sums[j] = sum_i q[j][i] (the zero-point compensation of u8 activations).
//  * bias, scales, col_sums are padded with zeros to num_panels() * nr (bias zeros without bias).
//  * `layout` names the packing (packed_layout_tag: dtype, qmax, kgroup, nr, e.g. "int8.k2.nr16",
//    "int8.k4.nr16"); a kernel table runs only weights whose tag equals its own (kernels.h
//    packed_layout), so a file packed for another table (or an older qmax) is detected and
//    repacked from its source weights.
//  * Arrays are const views; `owner` keeps their memory alive (a block the packer allocated,
//    64-byte aligned, or whatever a loader passes, e.g. the mapping of a model file). Copies
//    share it.
//  * Serialisation: for_each_array lists every non-empty array by name ("data" | "bf16" | "i8",
//    "bias", "scales", "col_sums") with its bytes; borrow_packed rebuilds a PackedWeights from a
//    PackedHeader and a lookup(name) of those arrays without copying. It checks each array's size
//    against the header and its alignment (at least the element size; 64 recommended) and throws
//    lightbert::Error(kFormat) naming `where` and the array otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lightbert::kernels {

// The element type a Linear's weights are stored and multiplied in (activations stay fp32 at
// the op boundary).
enum class WeightDtype { kF32, kBF16, kI8 };
const char* weight_dtype_name(WeightDtype dtype) noexcept;  // "fp32", "bf16", "int8"
// Parses "fp32" | "bf16" | "int8"; throws lightbert::Error(kInvalidArgument) otherwise.
WeightDtype parse_weight_dtype(const char* name);

// A read-only array view.
template <typename T>
struct ConstArray {
  const T* ptr = nullptr;
  size_t count = 0;
  const T* data() const { return ptr; }
  size_t size() const { return count; }
  size_t bytes() const { return count * sizeof(T); }
  bool empty() const { return count == 0; }
};

struct PackedWeights {
  WeightDtype dtype = WeightDtype::kF32;
  int64_t n = 0;                 // output features
  int64_t k = 0;                 // input features
  int nr = 0;                    // panel width
  int kgroup = 1;                // K steps interleaved per column (see the contract)
  int qmax = 127;                // kI8: weight code range [-qmax, qmax]
  std::string layout;            // packed_layout_tag(dtype, kgroup, nr, qmax)
  ConstArray<float> data;        // kF32 panels
  ConstArray<uint16_t> bf16;     // kBF16 panels
  ConstArray<int8_t> i8;         // kI8 panels
  ConstArray<float> bias;        // [num_panels * nr]
  ConstArray<float> scales;      // kI8: weight scale per output column [num_panels * nr]
  ConstArray<int32_t> col_sums;  // kI8: sum of the quantised weights per column
  std::shared_ptr<const void> owner;

  int64_t num_panels() const { return nr == 0 ? 0 : (n + nr - 1) / nr; }
  int64_t k_padded() const { return kgroup <= 1 ? k : (k + kgroup - 1) / kgroup * kgroup; }
  int64_t panel_elements() const { return k_padded() * nr; }
  const float* panel(int64_t p) const { return data.ptr + p * k * nr; }
  const uint16_t* bf16_panel(int64_t p) const { return bf16.ptr + p * panel_elements(); }
  const int8_t* i8_panel(int64_t p) const { return i8.ptr + p * panel_elements(); }
};

// "fp32.nr16", "bf16.k2.nr16", "int8.k4.nr32", ...
// int8 with qmax != 127 (only in older files) adds "q<qmax>" to the dtype: "int8q63.k4.nr16".
std::string packed_layout_tag(WeightDtype dtype, int kgroup, int nr, int qmax = 127);

// fp32 packing (kgroup 1).
PackedWeights pack_weights(const float* w, int64_t n, int64_t k, const float* bias, int nr);
// bf16 packing: each weight rounded to nearest even bf16; kgroup 2.
PackedWeights pack_weights_bf16(const float* w, int64_t n, int64_t k, const float* bias, int nr);
// int8 packing: per output column symmetric scale absmax / 127 (1 for an all-zero column),
// q = round-half-even(w / scale) clamped to [-qmax, qmax] (quant/quantize.h); kgroup 2 or 4.
PackedWeights pack_weights_int8(const float* w, int64_t n, int64_t k, const float* bias, int nr,
                                int kgroup, int qmax = 127);

// What a file stores besides the arrays to rebuild a PackedWeights (an int8 qmax other than 127
// is carried by the layout tag).
struct PackedHeader {
  WeightDtype dtype = WeightDtype::kF32;
  int64_t n = 0;
  int64_t k = 0;
  int nr = 0;
  int kgroup = 1;
  std::string layout;
};
PackedHeader packed_header(const PackedWeights& w);

// Calls fn(name, data, bytes) for every non-empty array of w, in a fixed order.
void for_each_array(
    const PackedWeights& w,
    const std::function<void(const char* name, const void* data, size_t bytes)>& fn);

// One array a loader found: its address and size in bytes ({nullptr, 0} when absent).
struct ArraySpan {
  const void* data = nullptr;
  size_t bytes = 0;
};
// Rebuilds weights over borrowed memory (see the contract); `owner` keeps it alive; `where`
// names the source in errors (e.g. "model.lbt: layer 3 qkv").
PackedWeights borrow_packed(const PackedHeader& header,
                            const std::function<ArraySpan(const char* name)>& lookup,
                            std::shared_ptr<const void> owner, const std::string& where);

}  // namespace lightbert::kernels
