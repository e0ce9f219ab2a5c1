// runtime/mapped_file.h: a whole file mapped read-only into memory (RAII, move-only).
// Contract: the constructor maps the entire regular file at `path` or throws lightbert::Error
// (kIo) naming the path and the reason. An empty file is valid: size() == 0, data() == nullptr.
// The mapping lives until the object is destroyed or moved from; the bytes are never written.
// (A file truncated by another process while mapped can still raise SIGBUS: no mmap reader can
// prevent that.) release_pages() gives the resident pages back without unmapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lightbert::runtime {

class MappedFile {
 public:
  MappedFile() = default;
  explicit MappedFile(const std::string& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Drops the pages read so far from the process's resident set (madvise MADV_DONTNEED): they
  // stay in the page cache and are read back on the next access. The bytes stay valid.
  void release_pages() const noexcept;

 private:
  void release() noexcept;

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace lightbert::runtime
