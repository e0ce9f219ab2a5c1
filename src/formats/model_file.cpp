// formats/model_file.cpp: the .lbt container (see model_file.h, docs/model-file-format.md).
// Contract: header fields are little-endian; writing goes to PATH.tmp then renames, so a failed
// write never leaves a half file under PATH.
#include "formats/model_file.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "formats/json_text.h"
#include "lightbert/error.h"

namespace lightbert::formats {
namespace {

using nlohmann::json;

[[noreturn]] void format_error(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::kFormat, path + ": " + what);
}

uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint32_t get_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t align_up(uint64_t v) {
  return (v + kModelFileAlignment - 1) / kModelFileAlignment * kModelFileAlignment;
}

bool as_u64(const json& v, uint64_t* out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(v.get<int64_t>());
    return true;
  }
  return false;
}

}  // namespace

uint64_t fnv1a64(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

bool is_model_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  if (!in.read(magic, 8)) return false;
  return std::memcmp(magic, kModelFileMagic, 8) == 0;
}

json ModelFileWriter::add(const void* data, uint64_t size) {
  const uint64_t offset = align_up(data_size_);
  blobs_.push_back({offset, BlobSource{data, size}});
  data_size_ = offset + size;
  return json{{"offset", offset}, {"size", size}};
}

void ModelFileWriter::write(const std::string& path, const json& manifest) const {
  write_model_file(path, manifest, blobs_, data_size_);
}

void write_model_file(const std::string& path, const json& manifest,
                      const std::vector<std::pair<uint64_t, BlobSource>>& blobs,
                      uint64_t data_size) {
  const std::string text = manifest.dump();
  const uint64_t data_offset = align_up(kModelFileHeaderSize + text.size());
  uint8_t header[kModelFileHeaderSize] = {};
  std::memcpy(header, kModelFileMagic, 8);
  put_u32(header + 8, kModelFileVersion);
  put_u32(header + 12, 0);
  put_u64(header + 16, kModelFileHeaderSize);
  put_u64(header + 24, text.size());
  put_u64(header + 32, fnv1a64(text.data(), text.size()));
  put_u64(header + 40, data_offset);
  put_u64(header + 48, data_size);
  put_u64(header + 56, data_offset + data_size);

  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw Error(ErrorCode::kIo, path + ": cannot create " + tmp);
  bool ok = std::fwrite(header, 1, sizeof header, f) == sizeof header &&
            std::fwrite(text.data(), 1, text.size(), f) == text.size();
  static const char zeros[kModelFileAlignment] = {};
  uint64_t pos = kModelFileHeaderSize + text.size();
  auto pad_to = [&](uint64_t target) {
    while (ok && pos < target) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(target - pos, sizeof zeros));
      ok = std::fwrite(zeros, 1, n, f) == n;
      pos += n;
    }
  };
  pad_to(data_offset);
  for (const auto& [offset, src] : blobs) {
    if (!ok) break;
    pad_to(data_offset + offset);
    if (src.size > 0) ok = std::fwrite(src.data, 1, src.size, f) == src.size;
    pos += src.size;
  }
  pad_to(data_offset + data_size);
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::kIo, path + ": cannot write the model file");
  }
}

std::shared_ptr<const ModelFile> ModelFile::open(const std::string& path) {
  auto mf = std::make_shared<ModelFile>();
  mf->file_ = runtime::MappedFile(path);
  const uint8_t* p = mf->file_.data();
  const uint64_t size = mf->file_.size();
  if (size < 8 || std::memcmp(p, kModelFileMagic, 8) != 0) {
    format_error(path, "not a lightbert model file (bad magic; expected 'LBTMODEL')");
  }
  if (size < kModelFileHeaderSize) {
    format_error(path, "truncated: " + std::to_string(size) + " bytes, shorter than the " +
                           std::to_string(kModelFileHeaderSize) + "-byte header");
  }
  mf->version_ = get_u32(p + 8);
  if (mf->version_ != kModelFileVersion) {
    throw Error(ErrorCode::kUnsupported,
                path + ": model file format version " + std::to_string(mf->version_) +
                    "; this build reads version " + std::to_string(kModelFileVersion) +
                    " (convert the model folder again with this lightbert)");
  }
  const uint64_t man_off = get_u64(p + 16), man_size = get_u64(p + 24);
  const uint64_t man_hash = get_u64(p + 32), data_off = get_u64(p + 40);
  const uint64_t data_size = get_u64(p + 48), file_size = get_u64(p + 56);
  if (file_size != size) {
    format_error(path, (size < file_size ? "truncated: the header says " : "the header says ") +
                           std::to_string(file_size) + " bytes, the file has " +
                           std::to_string(size));
  }
  if (man_off != kModelFileHeaderSize || man_size > kMaxManifestSize || man_size > size - man_off) {
    format_error(path, "corrupted header: manifest at " + std::to_string(man_off) + " +" +
                           std::to_string(man_size) + " bytes is outside the file");
  }
  if (data_off % kModelFileAlignment != 0 || data_off < man_off + man_size || data_off > size ||
      data_size != size - data_off) {
    format_error(path, "corrupted header: data region at " + std::to_string(data_off) + " +" +
                           std::to_string(data_size) + " bytes is inconsistent with the file (" +
                           std::to_string(size) + " bytes, manifest ends at " +
                           std::to_string(man_off + man_size) + ")");
  }
  if (fnv1a64(p + man_off, static_cast<size_t>(man_size)) != man_hash) {
    format_error(path, "corrupted manifest: checksum mismatch");
  }
  mf->manifest_ = json::parse(p + man_off, p + man_off + man_size, nullptr, false);
  if (mf->manifest_.is_discarded() || !mf->manifest_.is_object()) {
    format_error(path, "corrupted manifest: not a JSON object");
  }
  mf->data_offset_ = data_off;
  mf->data_size_ = data_size;
  return mf;
}

const uint8_t* ModelFile::blob(const json& ref, const std::string& what, uint64_t* size) const {
  uint64_t offset = 0, n = 0;
  if (!ref.is_object() || !ref.contains("offset") || !ref.contains("size") ||
      !as_u64(ref["offset"], &offset) || !as_u64(ref["size"], &n)) {
    format_error(path(), "manifest entry " + quote_name(what) +
                             " must be {\"offset\": N, \"size\": N}, got " + brief(ref));
  }
  if (offset % kModelFileAlignment != 0) {
    format_error(path(), "manifest entry " + quote_name(what) + ": offset " +
                             std::to_string(offset) + " is not 64-byte aligned");
  }
  if (offset > data_size_ || n > data_size_ - offset) {
    format_error(path(), "manifest entry " + quote_name(what) + ": bytes " +
                             std::to_string(offset) + " +" + std::to_string(n) +
                             " are outside the data region (" + std::to_string(data_size_) +
                             " bytes)");
  }
  *size = n;
  return data_region() + offset;
}

}  // namespace lightbert::formats
