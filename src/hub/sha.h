// hub/sha.h: file checksums used to verify hub downloads (OpenSSL libcrypto).
// Contract: both return lowercase hex; sha256_file is the LFS object id, git_blob_sha1_file is
// git's blob id (sha1 of "blob <size>\0" + content), which the hub uses as the ETag of files
// stored in git. A file that cannot be read throws lightbert::Error (kIo) naming it.
#pragma once

#include <string>

namespace lightbert::hub {

std::string sha256_file(const std::string& path);
std::string git_blob_sha1_file(const std::string& path);
std::string sha256_hex(const std::string& data);  // of a string (tests)

}  // namespace lightbert::hub
