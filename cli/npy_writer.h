// cli/npy_writer.h: streams float32 rows into a NumPy .npy file (format 1.0, '<f4', C order,
// shape (rows, cols)) with memory flat in the number of rows.
// Contract: the constructor creates / truncates `path` and writes a fixed 128-byte header whose
// row count is patched by finish() (seek back and rewrite; the header is padded with spaces, as
// numpy's own writer does, so its size does not depend on the count). append() writes rows as
// they come. Every failure (open, write, seek, close) is a lightbert::Error (kIo) naming the
// path; a writer destroyed without finish() leaves a file whose header says 0 rows.
#pragma once

#include <cstdio>
#include <string>

namespace lightbert::cli {

class NpyWriter {
 public:
  NpyWriter(const std::string& path, size_t cols);
  ~NpyWriter();
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  void append(const float* rows, size_t n_rows);
  void finish();
  size_t rows() const { return rows_; }

 private:
  void write_header();
  std::string path_;
  size_t cols_;
  size_t rows_ = 0;
  std::FILE* f_ = nullptr;
};

}  // namespace lightbert::cli
