// tensor/aligned_buffer.cpp: see aligned_buffer.h.
#include "tensor/aligned_buffer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace lightbert::tensor {

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

AlignedBuffer::~AlignedBuffer() {
  std::free(data_);
}

float* AlignedBuffer::reserve(size_t count) {
  if (count <= capacity_ && data_ != nullptr) return data_;
  std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
  // Round the byte size up to the alignment (aligned_alloc requires a multiple of it).
  size_t bytes =
      (std::max<size_t>(count, 1) * sizeof(float) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (p == nullptr) throw std::bad_alloc();
  data_ = static_cast<float*>(p);
  capacity_ = bytes / sizeof(float);
  return data_;
}

float* AlignedBuffer::assign_zero(size_t count) {
  float* p = reserve(count);
  std::memset(p, 0, count * sizeof(float));
  return p;
}

}  // namespace lightbert::tensor
