// kernels/packed_weights.cpp: see packed_weights.h.
#include "kernels/packed_weights.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "lightbert/error.h"
#include "quant/quantize.h"

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

std::string packed_layout_tag(WeightDtype dtype, int kgroup, int nr, int qmax) {
  std::string tag = weight_dtype_name(dtype);
  if (dtype == WeightDtype::kI8 && qmax != 127) tag += "q" + std::to_string(qmax);
  if (dtype != WeightDtype::kF32) tag += ".k" + std::to_string(kgroup);
  return tag + ".nr" + std::to_string(nr);
}

namespace {

constexpr size_t kAlign = 64;
constexpr int kSevenBit = 63;  // the only other int8 code range a table uses (AVX2)

size_t round_up(size_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

// One zeroed, 64-byte aligned block holding every array of a packing, owned by a shared_ptr.
class Block {
 public:
  explicit Block(const std::vector<size_t>& bytes) {
    size_t total = 0;
    for (size_t b : bytes) {
      offsets_.push_back(total);
      total += round_up(b);
    }
    void* p = std::aligned_alloc(kAlign, total == 0 ? kAlign : total);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, total);
    owner_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  }
  template <typename T>
  T* at(size_t i) const {
    return reinterpret_cast<T*>(static_cast<char*>(owner_.get()) + offsets_[i]);
  }
  std::shared_ptr<const void> owner() const { return owner_; }

 private:
  std::vector<size_t> offsets_;
  std::shared_ptr<void> owner_;
};

PackedWeights header_only(WeightDtype dtype, int64_t n, int64_t k, int nr, int kgroup,
                          int qmax = 127) {
  PackedWeights p;
  p.dtype = dtype;
  p.n = n;
  p.k = k;
  p.nr = nr;
  p.kgroup = kgroup;
  p.qmax = qmax;
  p.layout = packed_layout_tag(dtype, kgroup, nr, qmax);
  return p;
}

template <typename T>
ConstArray<T> view(const T* ptr, size_t count) {
  return ConstArray<T>{ptr, count};
}

// Position of (k_i, n_j) inside the panels (see the contract).
inline size_t packed_index(const PackedWeights& p, int64_t i, int64_t j) {
  return static_cast<size_t>((j / p.nr) * p.panel_elements() + (i / p.kgroup) * p.nr * p.kgroup +
                             (j % p.nr) * p.kgroup + i % p.kgroup);
}

}  // namespace

PackedWeights pack_weights(const float* w, int64_t n, int64_t k, const float* bias, int nr) {
  PackedWeights p = header_only(WeightDtype::kF32, n, k, nr, 1);
  const size_t cols = static_cast<size_t>(p.num_panels() * nr);
  const size_t elems = cols * static_cast<size_t>(k);
  Block block({elems * sizeof(float), cols * sizeof(float)});
  float* dst = block.at<float>(0);
  for (int64_t j = 0; j < n; ++j) {
    float* col = dst + (j / nr) * k * nr + j % nr;
    const float* src = w + j * k;
    for (int64_t i = 0; i < k; ++i) col[i * nr] = src[i];
  }
  float* b = block.at<float>(1);
  if (bias != nullptr) std::memcpy(b, bias, static_cast<size_t>(n) * sizeof(float));
  p.data = view<float>(dst, elems);
  p.bias = view<float>(b, cols);
  p.owner = block.owner();
  return p;
}

PackedWeights pack_weights_bf16(const float* w, int64_t n, int64_t k, const float* bias, int nr) {
  PackedWeights p = header_only(WeightDtype::kBF16, n, k, nr, 2);
  const size_t cols = static_cast<size_t>(p.num_panels() * nr);
  const size_t elems = static_cast<size_t>(p.num_panels() * p.panel_elements());
  Block block({elems * sizeof(uint16_t), cols * sizeof(float)});
  uint16_t* dst = block.at<uint16_t>(0);
  p.bf16 = view<uint16_t>(dst, elems);
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < k; ++i) dst[packed_index(p, i, j)] = quant::float_to_bf16(w[j * k + i]);
  }
  float* b = block.at<float>(1);
  if (bias != nullptr) std::memcpy(b, bias, static_cast<size_t>(n) * sizeof(float));
  p.bias = view<float>(b, cols);
  p.owner = block.owner();
  return p;
}

PackedWeights pack_weights_int8(const float* w, int64_t n, int64_t k, const float* bias, int nr,
                                int kgroup, int qmax) {
  if (qmax < 1 || qmax > 127) {
    throw Error(ErrorCode::kInvalidArgument, "pack_weights_int8: qmax " + std::to_string(qmax));
  }
  PackedWeights p = header_only(WeightDtype::kI8, n, k, nr, kgroup, qmax);
  const size_t cols = static_cast<size_t>(p.num_panels() * nr);
  const size_t elems = static_cast<size_t>(p.num_panels() * p.panel_elements());
  Block block({elems, cols * sizeof(float), cols * sizeof(float), cols * sizeof(int32_t)});
  int8_t* dst = block.at<int8_t>(0);
  float* b = block.at<float>(1);
  float* scales = block.at<float>(2);
  int32_t* sums = block.at<int32_t>(3);
  p.i8 = view<int8_t>(dst, elems);
  std::vector<int8_t> row(static_cast<size_t>(k));
  for (int64_t j = 0; j < n; ++j) {
    scales[j] = quant::quantize_weight_row_s8(w + j * k, k, row.data(), qmax);
    int32_t sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      dst[packed_index(p, i, j)] = row[static_cast<size_t>(i)];
      sum += row[static_cast<size_t>(i)];
    }
    sums[j] = sum;
  }
  if (bias != nullptr) std::memcpy(b, bias, static_cast<size_t>(n) * sizeof(float));
  p.bias = view<float>(b, cols);
  p.scales = view<float>(scales, cols);
  p.col_sums = view<int32_t>(sums, cols);
  p.owner = block.owner();
  return p;
}

PackedHeader packed_header(const PackedWeights& w) {
  PackedHeader h;
  h.dtype = w.dtype;
  h.n = w.n;
  h.k = w.k;
  h.nr = w.nr;
  h.kgroup = w.kgroup;
  h.layout = w.layout;
  return h;
}

void for_each_array(const PackedWeights& w,
                    const std::function<void(const char*, const void*, size_t)>& fn) {
  auto emit = [&](const char* name, const auto& a) {
    if (!a.empty()) fn(name, a.data(), a.bytes());
  };
  emit("data", w.data);
  emit("bf16", w.bf16);
  emit("i8", w.i8);
  emit("bias", w.bias);
  emit("scales", w.scales);
  emit("col_sums", w.col_sums);
}

namespace {

template <typename T>
ConstArray<T> borrow(const std::function<ArraySpan(const char*)>& lookup, const char* name,
                     size_t count, const std::string& where) {
  const ArraySpan span = lookup(name);
  if (span.bytes != count * sizeof(T)) {
    throw Error(ErrorCode::kFormat, where + ": packed array '" + name + "' has " +
                                        std::to_string(span.bytes) + " bytes, expected " +
                                        std::to_string(count * sizeof(T)));
  }
  if (count > 0 &&
      (span.data == nullptr || reinterpret_cast<uintptr_t>(span.data) % alignof(T) != 0)) {
    throw Error(ErrorCode::kFormat,
                where + ": packed array '" + name + "' is missing or misaligned");
  }
  return ConstArray<T>{static_cast<const T*>(span.data), count};
}

}  // namespace

PackedWeights borrow_packed(const PackedHeader& h,
                            const std::function<ArraySpan(const char*)>& lookup,
                            std::shared_ptr<const void> owner, const std::string& where) {
  const int expected_kgroup =
      h.dtype == WeightDtype::kF32 ? 1 : (h.dtype == WeightDtype::kBF16 ? 2 : 0);
  const bool kgroup_ok =
      expected_kgroup != 0 ? h.kgroup == expected_kgroup : (h.kgroup == 2 || h.kgroup == 4);
  if (h.n < 0 || h.k < 0 || h.n > (int64_t{1} << 24) || h.k > (int64_t{1} << 24) || h.nr <= 0 ||
      h.nr > 4096 || !kgroup_ok ||
      (h.layout != packed_layout_tag(h.dtype, h.kgroup, h.nr) &&
       h.layout != packed_layout_tag(h.dtype, h.kgroup, h.nr, kSevenBit))) {
    throw Error(ErrorCode::kFormat, where + ": bad packed header (n " + std::to_string(h.n) +
                                        ", k " + std::to_string(h.k) + ", nr " +
                                        std::to_string(h.nr) + ", kgroup " +
                                        std::to_string(h.kgroup) + ", layout '" + h.layout + "')");
  }
  const int qmax = h.layout == packed_layout_tag(h.dtype, h.kgroup, h.nr) ? 127 : kSevenBit;
  PackedWeights p = header_only(h.dtype, h.n, h.k, h.nr, h.kgroup, qmax);
  const size_t cols = static_cast<size_t>(p.num_panels() * p.nr);
  const size_t elems = cols * static_cast<size_t>(p.k_padded());
  switch (h.dtype) {
    case WeightDtype::kF32:
      p.data = borrow<float>(lookup, "data", elems, where);
      break;
    case WeightDtype::kBF16:
      p.bf16 = borrow<uint16_t>(lookup, "bf16", elems, where);
      break;
    case WeightDtype::kI8:
      p.i8 = borrow<int8_t>(lookup, "i8", elems, where);
      p.scales = borrow<float>(lookup, "scales", cols, where);
      p.col_sums = borrow<int32_t>(lookup, "col_sums", cols, where);
      break;
  }
  p.bias = borrow<float>(lookup, "bias", cols, where);
  p.owner = std::move(owner);
  return p;
}

}  // namespace lightbert::kernels
