// formats/model_file.cpp: the .lbt container (see model_file.h, docs/model-file-format.md).
// Contract: header fields are little-endian. Writing goes to a fresh temporary file created
// exclusively (O_EXCL | O_NOFOLLOW) in PATH's folder, every write checked, fsynced, then renamed
// over PATH (and the folder fsynced), so a failed write never leaves a half file under PATH and
// never writes through a link planted under the temporary name; a PATH that exists and is not a
// regular file (directory, FIFO, device, or a link to one) is refused before anything is written.
#include "formats/model_file.h"

#include <nettle/sha2.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "formats/json_limits.h"
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

// SHA-256 through nettle (Debian's libnettle: the core library links no OpenSSL; the hub does).
class Sha256 {
 public:
  Sha256() { sha256_init(&ctx_); }
  void update(const void* data, uint64_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {  // nettle takes size_t; chunks keep any one call modest
      const size_t n = static_cast<size_t>(std::min<uint64_t>(size, 1u << 30));
      sha256_update(&ctx_, n, p);
      p += n;
      size -= n;
    }
  }
  std::string hex() {
    uint8_t md[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx_, SHA256_DIGEST_SIZE, md);
    const unsigned n = SHA256_DIGEST_SIZE;
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
      out += digits[md[i] >> 4];
      out += digits[md[i] & 15];
    }
    return out;
  }

 private:
  sha256_ctx ctx_;
};

// Every blob reference of the manifest ({"offset": O, "size": N} objects, exactly those two
// keys), found without recursion.
struct BlobRef {
  uint64_t offset, size;
  std::string where;
};

std::vector<BlobRef> collect_blob_refs(const json& manifest) {
  std::vector<BlobRef> refs;
  std::vector<std::pair<const json*, std::string>> todo{{&manifest, ""}};
  while (!todo.empty()) {
    auto [v, where] = std::move(todo.back());
    todo.pop_back();
    if (v->is_object()) {
      uint64_t o = 0, n = 0;
      if (v->size() == 2 && v->contains("offset") && v->contains("size") &&
          as_u64((*v)["offset"], &o) && as_u64((*v)["size"], &n)) {
        refs.push_back({o, n, where});
        continue;
      }
      for (const auto& [k, child] : v->items()) {
        todo.emplace_back(&child, where.empty() ? k : where + "." + k);
      }
    } else if (v->is_array()) {
      for (size_t i = 0; i < v->size(); ++i) {
        todo.emplace_back(&(*v)[i], where + "." + std::to_string(i));
      }
    }
  }
  return refs;
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
  // Anything that exists and is not a folder is read as a model file, so a short, empty or
  // foreign file gets ModelFile::open's error ("not a lightbert model file") rather than a
  // folder reader's "Not a directory".
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
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

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// A file descriptor written with checked writes; the temporary file is removed unless committed.
class TempOutput {
 public:
  explicit TempOutput(const std::string& path) : path_(path) {
    check_output_path(path);
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    // Random suffixes, created exclusively: an existing name (or a planted link) is never opened.
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, ".tmp.%d.%08x", static_cast<int>(::getpid()),
                    static_cast<unsigned>(std::random_device{}()));
      tmp_ = (slash == std::string::npos ? "" : dir) + "." + base + suffix;
      fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      const int err = errno;
      if (fd_ < 0 && err != EEXIST) {
        throw Error(ErrorCode::kIo, path + ": cannot create the temporary file " + tmp_ + ": " +
                                        errno_text(err));
      }
    }
    if (fd_ < 0) throw Error(ErrorCode::kIo, path + ": cannot create a temporary file in " + dir_);
  }
  ~TempOutput() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  TempOutput(const TempOutput&) = delete;
  TempOutput& operator=(const TempOutput&) = delete;

  void write(const void* data, uint64_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd_, p, static_cast<size_t>(std::min<uint64_t>(size, 1u << 30)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("write failed", n < 0 ? errno : ENOSPC);
      p += n;
      size -= static_cast<uint64_t>(n);
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail("fsync failed", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("close failed", errno);
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail("rename failed", errno);
    committed_ = true;
    const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {  // the rename itself made durable; best effort (some file systems refuse)
      (void)::fsync(dfd);
      ::close(dfd);
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what, int err) const {
    throw Error(ErrorCode::kIo, path_ + ": cannot write the model file (" + what + " on " + tmp_ +
                                    ": " + errno_text(err) + ")");
  }

  std::string path_, tmp_, dir_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void check_output_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::kIo, path + ": exists and is not a regular file (a folder, FIFO or "
                                       "device, or a link to one); refusing to replace it");
  }
}

std::string data_region_sha256(const std::vector<std::pair<uint64_t, BlobSource>>& blobs,
                               uint64_t data_size) {
  Sha256 h;
  static const uint8_t zeros[4096] = {};
  uint64_t pos = 0;
  auto pad_to = [&](uint64_t target) {
    while (pos < target) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(target - pos, sizeof zeros));
      h.update(zeros, n);
      pos += n;
    }
  };
  for (const auto& [offset, src] : blobs) {
    pad_to(offset);
    h.update(src.data, src.size);
    pos += src.size;
  }
  pad_to(data_size);
  return h.hex();
}

void write_model_file(const std::string& path, const json& manifest,
                      const std::vector<std::pair<uint64_t, BlobSource>>& blobs,
                      uint64_t data_size) {
  // Blobs must be in order, aligned and disjoint: the reader refuses anything else.
  uint64_t end = 0;
  for (const auto& [offset, src] : blobs) {
    if (offset % kModelFileAlignment != 0 || offset < end || src.size > data_size - offset) {
      throw Error(ErrorCode::kInternal, path + ": blob layout out of order or outside the data");
    }
    end = offset + src.size;
  }
  json full = manifest;
  full[kDataChecksumField] = data_region_sha256(blobs, data_size);
  const std::string text = full.dump();
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

  TempOutput out(path);
  out.write(header, sizeof header);
  out.write(text.data(), text.size());
  static const char zeros[4096] = {};
  uint64_t pos = kModelFileHeaderSize + text.size();
  auto pad_to = [&](uint64_t target) {
    while (pos < target) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(target - pos, sizeof zeros));
      out.write(zeros, n);
      pos += n;
    }
  };
  pad_to(data_offset);
  for (const auto& [offset, src] : blobs) {
    pad_to(data_offset + offset);
    if (src.size > 0) out.write(src.data, src.size);
    pos += src.size;
  }
  pad_to(data_offset + data_size);
  out.commit();
}

std::shared_ptr<const ModelFile> ModelFile::open(const std::string& path) {
  auto mf = std::make_shared<ModelFile>();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {  // a FIFO would block in open()
    format_error(path, "not a lightbert model file (not a regular file: a FIFO, socket or "
                       "device); a model is a folder or a .lbt file from lightbert convert");
  }
  mf->file_ = runtime::MappedFile(path);
  const uint8_t* p = mf->file_.data();
  const uint64_t size = mf->file_.size();
  if (size < 8) {
    format_error(path, "not a lightbert model file: " + std::to_string(size) +
                           " bytes, too short for its 64-byte header (a model is a folder or a "
                           ".lbt file from lightbert convert)");
  }
  if (std::memcmp(p, kModelFileMagic, 8) != 0) {
    format_error(path, "not a lightbert model file (bad magic " +
                           quote_name(std::string_view(reinterpret_cast<const char*>(p), 8)) +
                           "; expected 'LBTMODEL'; a model is a folder or a .lbt file from "
                           "lightbert convert)");
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
  check_json_depth(p + man_off, static_cast<size_t>(man_size), path + ": manifest");
  mf->manifest_ = json::parse(p + man_off, p + man_off + man_size, nullptr, false);
  if (mf->manifest_.is_discarded() || !mf->manifest_.is_object()) {
    format_error(path, "corrupted manifest: not a JSON object");
  }
  mf->data_offset_ = data_off;
  mf->data_size_ = data_size;
  // Every blob inside the data region, aligned, and no two (non-empty) overlapping: a blob is
  // one array, so bytes shared by two names mean a corrupted or crafted manifest.
  std::vector<BlobRef> refs = collect_blob_refs(mf->manifest_);
  for (const BlobRef& r : refs) {
    if (r.offset % kModelFileAlignment != 0 || r.offset > data_size ||
        r.size > data_size - r.offset) {
      format_error(path, "manifest entry " + quote_name(r.where) +
                             (r.offset % kModelFileAlignment != 0
                                  ? ": offset " + std::to_string(r.offset) +
                                        " is not 64-byte aligned"
                                  : ": bytes " + std::to_string(r.offset) + " +" +
                                        std::to_string(r.size) + " are outside the data region (" +
                                        std::to_string(data_size) + " bytes)"));
    }
  }
  refs.erase(std::remove_if(refs.begin(), refs.end(), [](const BlobRef& r) { return r.size == 0; }),
             refs.end());
  std::sort(refs.begin(), refs.end(),
            [](const BlobRef& a, const BlobRef& b) { return a.offset < b.offset; });
  for (size_t i = 1; i < refs.size(); ++i) {
    if (refs[i].offset < refs[i - 1].offset + refs[i - 1].size) {
      format_error(path, "manifest entries " + quote_name(refs[i - 1].where) + " and " +
                             quote_name(refs[i].where) + " overlap in the data region");
    }
  }
  if (mf->manifest_.contains(kDataChecksumField)) {
    const json& c = mf->manifest_[kDataChecksumField];
    if (!c.is_string() || c.get<std::string>().size() != 64 ||
        c.get<std::string>().find_first_not_of("0123456789abcdef") != std::string::npos) {
      format_error(path, std::string("manifest field '") + kDataChecksumField +
                             "' must be 64 lowercase hex digits, got " + brief(c));
    }
  }
  return mf;
}

bool ModelFile::has_data_checksum() const { return manifest_.contains(kDataChecksumField); }

void ModelFile::verify_data() const {
  if (!has_data_checksum()) {
    throw Error(ErrorCode::kNotFound,
                path() + ": the file has no data checksum (written by an older lightbert; "
                         "convert the model folder again to add one)");
  }
  Sha256 h;
  h.update(data_region(), data_size_);
  const std::string have = h.hex();
  const std::string want = manifest_[kDataChecksumField].get<std::string>();
  if (have != want) {
    format_error(path(), "corrupted data region: SHA-256 is " + have + ", the manifest says " +
                             want);
  }
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
