// cli/progress.cpp: see progress.h.
#include "progress.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lightbert::cli {

bool progress_enabled() {
  const char* env = std::getenv("LIGHTBERT_PROGRESS");
  if (env != nullptr && std::strcmp(env, "0") == 0) return false;
  if (env != nullptr && std::strcmp(env, "1") == 0) return true;
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string what) : what_(std::move(what)) {
  active_ = progress_enabled();
  start_ = last_draw_ = std::chrono::steady_clock::now();
  struct stat st {};
  if (active_ && ::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    stdin_size_ = static_cast<int64_t>(st.st_size);
  }
}

Progress::~Progress() { finish(); }

double Progress::fraction() const {
  if (total_ > 0) return static_cast<double>(seqs_) / static_cast<double>(total_);
  if (stdin_size_ > 0) {
    const off_t pos = ::lseek(STDIN_FILENO, 0, SEEK_CUR);  // read-ahead: at most one buffer early
    if (pos >= 0) return std::min(1.0, static_cast<double>(pos) / static_cast<double>(stdin_size_));
  }
  return -1.0;
}

void Progress::add(uint64_t sequences, uint64_t tokens) {
  if (!active_) return;
  seqs_ += sequences;
  tokens_ += tokens;
  draw(false);
}

void Progress::stage(const std::string& text) {
  if (!active_) return;
  stage_ = text;
  draw(true);
}

void Progress::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  char line[256];
  int n;
  if (!stage_.empty()) {
    n = std::snprintf(line, sizeof line, "\r%s: %s (%.1f s)", what_.c_str(), stage_.c_str(), secs);
  } else {
    const double sps = secs > 0 ? static_cast<double>(seqs_) / secs : 0.0;
    const double tps = secs > 0 ? static_cast<double>(tokens_) / secs : 0.0;
    n = std::snprintf(line, sizeof line, "\r%s: %llu seq, %.1f seq/s, %.0f tok/s", what_.c_str(),
                      static_cast<unsigned long long>(seqs_), sps, tps);
    const double f = fraction();
    if (f > 0 && n > 0 && n < static_cast<int>(sizeof line)) {
      const double eta = finished_ ? 0.0 : secs * (1.0 - f) / f;
      const long e = static_cast<long>(eta + 0.5);
      n += std::snprintf(line + n, sizeof line - static_cast<size_t>(n), ", %.0f%%, ETA %ld:%02ld",
                         100.0 * (finished_ ? 1.0 : f), e / 60, e % 60);
    }
  }
  if (n <= 0) return;
  std::fputs(line, stderr);
  std::fputs("\x1b[K", stderr);
  std::fflush(stderr);
}

void Progress::finish() {
  if (!active_ || finished_) return;
  finished_ = true;
  draw(true);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace lightbert::cli
