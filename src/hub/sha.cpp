// hub/sha.cpp: sha256 and git blob sha1 over files, streamed through OpenSSL's EVP digests.
#include "hub/sha.h"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "lightbert/error.h"

namespace lightbert::hub {

namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_MD_CTX, CtxFree>;

Ctx new_ctx(const EVP_MD* md) {
  Ctx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    throw Error(ErrorCode::kInternal, "cannot initialise a message digest");
  }
  return ctx;
}

std::string finish_hex(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx, digest, &n) != 1) {
    throw Error(ErrorCode::kInternal, "cannot finish a message digest");
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// The digest of the file's bytes, preceded by git's "blob <size>\0" header when git_blob.
std::string digest_file(const std::string& path, const EVP_MD* md, bool git_blob) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open for checksum");
  const std::streamoff size = in.tellg();
  in.seekg(0);
  Ctx ctx = new_ctx(md);
  if (git_blob) {
    const std::string header = "blob " + std::to_string(size) + std::string(1, '\0');
    EVP_DigestUpdate(ctx.get(), header.data(), header.size());
  }
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize got = in.gcount();
    if (got > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(got));
  }
  if (in.bad()) throw Error(ErrorCode::kIo, path + ": read error during checksum");
  return finish_hex(ctx.get());
}

}  // namespace

std::string sha256_file(const std::string& path) {
  return digest_file(path, EVP_sha256(), false);
}

std::string git_blob_sha1_file(const std::string& path) {
  return digest_file(path, EVP_sha1(), true);
}

std::string sha256_hex(const std::string& data) {
  Ctx ctx = new_ctx(EVP_sha256());
  EVP_DigestUpdate(ctx.get(), data.data(), data.size());
  return finish_hex(ctx.get());
}

}  // namespace lightbert::hub
