// tensor/aligned_buffer.h: a grow-only, 64-byte aligned float buffer, and a row-major matrix view.
// Contract: AlignedBuffer::reserve(n) guarantees at least n floats at a 64-byte aligned address;
// it reallocates only when n exceeds the capacity (contents are then NOT preserved), so a buffer
// reused across calls stops allocating once the largest size was seen. Move-only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lightbert::tensor {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 64;

  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t count) { reserve(count); }
  AlignedBuffer(AlignedBuffer&& other) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();

  // Ensures capacity >= count; returns data(). Old contents are lost when it grows.
  float* reserve(size_t count);
  // reserve(count) and fill the first `count` floats with zero.
  float* assign_zero(size_t count);

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t capacity() const { return capacity_; }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

// A non-owning row-major view: element (r, c) at data[r * ld + c].
struct MatrixView {
  float* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t ld = 0;

  float* row(int64_t r) const { return data + r * ld; }
};

struct ConstMatrixView {
  const float* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t ld = 0;

  ConstMatrixView() = default;
  ConstMatrixView(const float* d, int64_t r, int64_t c, int64_t l)
      : data(d), rows(r), cols(c), ld(l) {}
  ConstMatrixView(const MatrixView& m)
      : data(m.data), rows(m.rows), cols(m.cols), ld(m.ld) {}  // NOLINT
  const float* row(int64_t r) const { return data + r * ld; }
};

}  // namespace lightbert::tensor
