// tests/fuzz/fuzz_archive.h: the tiny text archive the folder-loading fuzz targets read.
// Contract: unpack_archive(SUB, bytes, names) empties scratch_dir()/SUB, then writes each file
// of the archive there: a file starts after a line "=== NAME" and runs to the next such line (or
// the end; the newline before the next header belongs to the header). Only names listed in
// `names` are written (so a fuzzer cannot write elsewhere); the rest is ignored. Returns the
// folder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <dirent.h>
#include <sys/stat.h>

#include "fuzz_support.h"

namespace lightbert::fuzz {

template <size_t N>
std::string unpack_archive(const std::string& sub, const uint8_t* data, size_t size,
                           const char* const (&names)[N]) {
  const std::string dir = scratch_dir() + "/" + sub;
  ::mkdir(dir.c_str(), 0700);
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ::unlink((dir + "/" + e->d_name).c_str());
    }
    ::closedir(d);
  }
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t pos = 0;
  // Finds the next header at or after `from` (at the start or after a newline).
  const auto next_header = [&](size_t from) -> size_t {
    if (from == 0 && all.substr(0, 4) == "=== ") return 0;
    size_t p = all.find("\n=== ", from == 0 ? 0 : from - 1);
    return p == std::string_view::npos ? all.size() : p + 1;
  };
  pos = next_header(0);
  while (pos < all.size()) {
    const size_t eol = all.find('\n', pos);
    if (eol == std::string_view::npos) break;
    const std::string_view name = all.substr(pos + 4, eol - pos - 4);
    const size_t body = eol + 1;
    size_t next = next_header(body);
    const size_t end = next < all.size() ? next - 1 : all.size();  // drop the header's newline
    for (const char* allowed : names) {
      if (name == allowed) {
        write_file(sub + "/" + std::string(name), data + body, end > body ? end - body : 0);
      }
    }
    pos = next;
  }
  return dir;
}

}  // namespace lightbert::fuzz
