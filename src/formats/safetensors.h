// formats/safetensors.h: validating reader for one .safetensors file.
// Contract: parse_safetensors() checks a whole file image (u64-LE header length, JSON header,
// data) and returns its tensors, with data pointers into the given bytes, or throws
// lightbert::Error(kFormat) naming `path` and the tensor/field at fault. It checks: length
// prefix present and <= 100 MB and inside the file; header is UTF-8 JSON object without
// duplicate keys; every entry has dtype (known), shape (non-negative integers whose product
// does not overflow), data_offsets [begin <= end] inside the data region, with
// numel x dtype size == end - begin; no two non-empty ranges overlap; __metadata__ (optional)
// is an object of strings. Gaps and trailing bytes are tolerated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "runtime/mapped_file.h"

namespace lightbert::formats {

constexpr uint64_t kMaxSafetensorsHeader = 100u * 1000u * 1000u;

struct SafetensorsContent {
  std::vector<TensorInfo> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
};

SafetensorsContent parse_safetensors(const uint8_t* bytes, size_t size, const std::string& path);

// A mapped file plus its parsed content; tensors point into `file`.
struct SafetensorsFile {
  runtime::MappedFile file;
  SafetensorsContent content;
};

// Maps and parses `path` (kIo when it cannot be read, kFormat when malformed).
SafetensorsFile open_safetensors(const std::string& path);

}  // namespace lightbert::formats
