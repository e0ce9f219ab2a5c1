// formats/dtype.cpp: dtype names/sizes and the F32/F16/BF16 -> float conversion (dtype.h).
#include "formats/dtype.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; a big-endian port must byte-swap here");

namespace lightbert::formats {
namespace {

struct DTypeRow {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeRow kDTypes[] = {
    {DType::kF64, "F64", 8},   {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2},   {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
};

inline uint16_t load_u16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

}  // namespace

const char* dtype_name(DType dtype) noexcept {
  for (const auto& row : kDTypes) {
    if (row.dtype == dtype) return row.name;
  }
  return "?";
}

size_t dtype_size(DType dtype) noexcept {
  for (const auto& row : kDTypes) {
    if (row.dtype == dtype) return row.size;
  }
  return 0;
}

bool parse_dtype(std::string_view text, DType* out) noexcept {
  for (const auto& row : kDTypes) {
    if (text == row.name) {
      *out = row.dtype;
      return true;
    }
  }
  return false;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // validated at load: no overflow
  return n;
}

void convert_to_f32(DType dtype, const uint8_t* src, size_t count, float* dst) noexcept {
  static_assert(sizeof(float) == 4, "float must be binary32");
  switch (dtype) {
    case DType::kF32:
      if (count != 0) std::memcpy(dst, src, count * sizeof(float));
      return;
    case DType::kF16:
      for (size_t i = 0; i < count; ++i) dst[i] = half_to_float(load_u16(src + 2 * i));
      return;
    case DType::kBF16:
      for (size_t i = 0; i < count; ++i) dst[i] = bf16_to_float(load_u16(src + 2 * i));
      return;
    default:
      return;
  }
}

}  // namespace lightbert::formats
