// formats/model_file.h: the .lbt single-file model container (docs/model-file-format.md).
// Contract: a file is a 64-byte header (magic "LBTMODEL", u32 format version, the manifest's
// offset / size / FNV-1a 64 checksum, the data region's offset and the total file size, all
// little-endian), a UTF-8 JSON manifest, and a data region of blobs, each at a 64-byte aligned
// file offset. Blob references in the manifest are {"offset", "size"} objects, offsets relative
// to the data region. ModelFile::open maps the file and checks the header (magic, version,
// sizes and offsets in range, the file size, the checksum, the manifest JSON); blob() checks
// each reference before handing out a pointer into the mapping. Every failure is
// lightbert::Error naming the file and what is wrong (kFormat; kIo when it cannot be read,
// kUnsupported for another format version). write_model_file writes the same layout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/mapped_file.h"

namespace lightbert::formats {

constexpr char kModelFileMagic[9] = "LBTMODEL";
constexpr uint32_t kModelFileVersion = 1;
constexpr uint64_t kModelFileHeaderSize = 64;
constexpr uint64_t kModelFileAlignment = 64;
constexpr uint64_t kMaxManifestSize = 64u * 1024u * 1024u;

// True when `path` is a regular file that starts with the magic (no other check).
bool is_model_file(const std::string& path);

uint64_t fnv1a64(const void* data, size_t size);

// One blob of the data region: `size` bytes at `data` (not owned; valid until written).
struct BlobSource {
  const void* data = nullptr;
  uint64_t size = 0;
};

// Lays blobs out in the data region (64-byte aligned) and writes the file.
class ModelFileWriter {
 public:
  // Reserves room for `size` bytes at `data` and returns their manifest reference
  // {"offset", "size"}. The bytes are read by write(), so they must stay valid until then.
  nlohmann::json add(const void* data, uint64_t size);
  // Writes header + manifest + blobs to `path` (kIo on failure; a partial file is removed).
  void write(const std::string& path, const nlohmann::json& manifest) const;

 private:
  std::vector<std::pair<uint64_t, BlobSource>> blobs_;  // offset in the data region, source
  uint64_t data_size_ = 0;
};

// Writes a complete file from a manifest and an already laid-out data region (what
// ModelFileWriter::write does; also used by tests to build malformed files).
void write_model_file(const std::string& path, const nlohmann::json& manifest,
                      const std::vector<std::pair<uint64_t, BlobSource>>& blobs,
                      uint64_t data_size);

class ModelFile {
 public:
  static std::shared_ptr<const ModelFile> open(const std::string& path);

  const std::string& path() const { return file_.path(); }
  const nlohmann::json& manifest() const { return manifest_; }
  uint32_t version() const { return version_; }
  // The bytes a {"offset", "size"} reference names, checked: offset and size unsigned integers,
  // the offset 64-byte aligned, the range inside the data region; `what` names it in errors.
  const uint8_t* blob(const nlohmann::json& ref, const std::string& what, uint64_t* size) const;
  const uint8_t* data_region() const { return file_.data() + data_offset_; }
  uint64_t data_size() const { return data_size_; }
  uint64_t data_offset() const { return data_offset_; }  // of the data region in the file

 private:
  runtime::MappedFile file_;
  nlohmann::json manifest_;
  uint32_t version_ = 0;
  uint64_t data_offset_ = 0;
  uint64_t data_size_ = 0;
};

}  // namespace lightbert::formats
