// formats/model_file.h: the .lbt single-file model container (docs/model-file-format.md).
// Contract: a file is a 64-byte header (magic "LBTMODEL", u32 format version, the manifest's
// offset / size / FNV-1a 64 checksum, the data region's offset and the total file size, all
// little-endian), a UTF-8 JSON manifest, and a data region of blobs, each at a 64-byte aligned
// file offset. Blob references in the manifest are {"offset", "size"} objects, offsets relative
// to the data region. ModelFile::open maps the file and checks the header (magic, version,
// sizes and offsets in range, the file size, the manifest checksum, the manifest JSON and its
// nesting depth) and every blob reference of the manifest (aligned, inside the data region, no
// two overlapping); blob() checks each reference again before handing out a pointer into the
// mapping. The manifest's "data_sha256" is the SHA-256 of the data region: written by every
// writer, checked by verify_data() (lightbert verify, and convert after writing), not at open
// (docs/limits.md has the cost). Every failure is
// lightbert::Error naming the file and what is wrong (kFormat; kIo when it cannot be read,
// kUnsupported for another format version). write_model_file writes the same layout (see
// model_file.cpp for how it writes safely).
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
// Manifest field: SHA-256 (64 lowercase hex digits) of the whole data region, padding included.
constexpr char kDataChecksumField[] = "data_sha256";

// True when `path` exists and is not a folder: the loaders then read it as a model file, and
// ModelFile::open says what is wrong when it is not one (no other check here).
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

// Throws kIo when `path` exists and is not a regular file (folder, FIFO, device, or a link to
// one): the writers refuse to replace those. Nothing is created.
void check_output_path(const std::string& path);

// SHA-256 (hex) of the data region these blobs make (zero padding between them and to data_size).
std::string data_region_sha256(const std::vector<std::pair<uint64_t, BlobSource>>& blobs,
                               uint64_t data_size);

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
  // Whether the manifest records the data region's SHA-256 (files written before it do not).
  bool has_data_checksum() const;
  // Reads the whole data region and compares its SHA-256 with the manifest's: kFormat naming
  // both digests on a mismatch, kNotFound when the file has no checksum.
  void verify_data() const;
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
