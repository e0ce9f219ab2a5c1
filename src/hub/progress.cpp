// hub/progress.cpp: download progress lines on stderr (progress.h).
#include "hub/progress.h"

#include <unistd.h>

#include <cstdio>

namespace lightbert::hub {

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000.0 && u < 4) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

Progress::Progress(bool enabled, std::string name, uint64_t total)
    : enabled_(enabled), tty_(isatty(STDERR_FILENO) == 1), name_(std::move(name)), total_(total) {}

void Progress::update(uint64_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_print_ < std::chrono::milliseconds(100)) return;
    last_print_ = now;
    print(done, false, "");
    return;
  }
  const int quarter = total_ > 0 ? static_cast<int>(done * 4 / total_) : 0;
  if (quarter > last_quarter_ && quarter < 4) {
    last_quarter_ = quarter;
    print(done, false, "");
  }
}

void Progress::finish(const std::string& note) {
  if (!enabled_) return;
  print(total_, true, note);
}

void Progress::print(uint64_t done, bool final_line, const std::string& note) {
  std::string line = name_ + "  ";
  if (!note.empty()) {
    line += note;
  } else {
    line += human_bytes(done) + " / " + human_bytes(total_);
    const unsigned pct = total_ > 0 ? static_cast<unsigned>(done * 100 / total_) : 100;
    line += "  " + std::to_string(pct) + "%";
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace lightbert::hub
