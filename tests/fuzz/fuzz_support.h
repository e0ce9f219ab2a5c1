// tests/fuzz/fuzz_support.h: helpers shared by the libFuzzer targets.
// Contract: scratch_dir() is a private folder made once per process (under $TMPDIR, else
// /dev/shm, else /tmp) and removed at exit; write_file() replaces DIR/NAME with the given bytes
// (NAME may hold one sub-folder, made on demand)
// (aborts on an I/O failure, which is the harness's fault, not a finding). A target calls the
// parser under test inside expect_typed_errors(): lightbert::Error is the parser's documented
// way to reject input and is swallowed; any other exception escapes and libFuzzer reports it
// (an untyped error is a finding, like a crash, a leak or a sanitizer report).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lightbert/error.h"

namespace lightbert::fuzz {

inline void remove_tree(const std::string& dir) {
  const std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "fuzz: could not remove %s\n", dir.c_str());
}

inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string root = base && *base ? base : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    std::string templ = root + "/lightbert-fuzz-XXXXXX";
    if (!mkdtemp(templ.data())) {
      std::perror("fuzz: mkdtemp");
      std::abort();
    }
    static std::string keep = templ;
    std::atexit([] { remove_tree(keep); });
    return templ;
  }();
  return dir;
}

inline std::string write_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  const size_t slash = name.find('/');
  if (slash != std::string::npos) ::mkdir((scratch_dir() + "/" + name.substr(0, slash)).c_str(), 0700);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror("fuzz: open");
    std::abort();
  }
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) {
      std::perror("fuzz: write");
      std::abort();
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return path;
}

inline void remove_file(const std::string& name) { ::unlink((scratch_dir() + "/" + name).c_str()); }

template <typename Fn>
void expect_typed_errors(Fn&& fn) {
  try {
    fn();
  } catch (const lightbert::Error&) {
  }
}

}  // namespace lightbert::fuzz
