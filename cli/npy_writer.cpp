// cli/npy_writer.cpp: see npy_writer.h.
#include "npy_writer.h"

#include <cerrno>
#include <cstring>

#include "lightbert/error.h"

namespace lightbert::cli {
namespace {
constexpr size_t kHeaderSize = 128;  // magic + version + length + dict, a multiple of 64

[[noreturn]] void io_error(const std::string& path, const char* what) {
  throw Error(ErrorCode::kIo, path + ": " + what + ": " + std::strerror(errno));
}
}  // namespace

NpyWriter::NpyWriter(const std::string& path, size_t cols) : path_(path), cols_(cols) {
  f_ = std::fopen(path.c_str(), "wb");
  if (f_ == nullptr) io_error(path_, "cannot create .npy file");
  write_header();
}

NpyWriter::~NpyWriter() {
  if (f_ != nullptr) std::fclose(f_);
}

void NpyWriter::write_header() {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                     std::to_string(rows_) + ", " + std::to_string(cols_) + "), }";
  const size_t prefix = 10;  // \x93NUMPY, 1, 0, uint16 length
  dict.resize(kHeaderSize - prefix - 1, ' ');
  dict += '\n';
  std::string h = "\x93NUMPY";
  h += '\x01';
  h += '\x00';
  const size_t len = dict.size();
  h += static_cast<char>(len & 0xff);
  h += static_cast<char>((len >> 8) & 0xff);
  h += dict;
  if (std::fseek(f_, 0, SEEK_SET) != 0) io_error(path_, "seek");
  if (std::fwrite(h.data(), 1, h.size(), f_) != h.size()) io_error(path_, "write");
}

void NpyWriter::append(const float* rows, size_t n_rows) {
  const size_t n = n_rows * cols_;
  if (n != 0 && std::fwrite(rows, sizeof(float), n, f_) != n) io_error(path_, "write");
  rows_ += n_rows;
}

void NpyWriter::finish() {
  if (f_ == nullptr) return;
  write_header();
  std::FILE* f = f_;
  f_ = nullptr;
  if (std::fclose(f) != 0) io_error(path_, "close");
}

}  // namespace lightbert::cli
