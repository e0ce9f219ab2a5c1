// formats/dtype.h: safetensors dtype names and element conversions to float.
// Contract: parse_dtype() maps the safetensors spelling ("F32", "BF16", ...) to DType and
// returns false for anything else. half_to_float()/bf16_to_float() are exact IEEE conversions
// (subnormals, infinities and NaN payloads included). convert_to_f32() reads `count` elements
// from a possibly unaligned little-endian buffer (memcpy, no aliasing UB) for F32/F16/BF16 only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "formats/checkpoint.h"

namespace lightbert::formats {

bool parse_dtype(std::string_view text, DType* out) noexcept;

// IEEE 754 binary16 -> binary32, exact for every input.
inline float half_to_float(uint16_t h) noexcept {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {  // inf / nan: keep the payload
    bits = sign | 0x7F800000u | (mant << 13);
  } else if (exp != 0) {  // normal
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {  // signed zero
    bits = sign;
  } else {  // subnormal: mant * 2^-24, renormalised
    int shift = 0;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mant & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// bfloat16 is the upper half of a binary32.
inline float bf16_to_float(uint16_t b) noexcept {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// dtype must be kF32, kF16 or kBF16 (the caller checks); `src` may be unaligned.
void convert_to_f32(DType dtype, const uint8_t* src, size_t count, float* dst) noexcept;

}  // namespace lightbert::formats
