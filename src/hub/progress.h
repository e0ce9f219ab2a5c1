// hub/progress.h: download progress on stderr.
// Contract: on a terminal, one line per file rewritten in place ("\r") at most ~10 times a
// second; otherwise (logs, pipes) a line at the start, every 25% and at the end. Disabled
// progress prints nothing. Never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lightbert::hub {

class Progress {
 public:
  Progress(bool enabled, std::string name, uint64_t total);
  void update(uint64_t done);                 // bytes so far
  void finish(const std::string& note = "");  // "note" replaces the byte count (e.g. "cached")

 private:
  void print(uint64_t done, bool final_line, const std::string& note);

  bool enabled_;
  bool tty_;
  std::string name_;
  uint64_t total_;
  int last_quarter_ = -1;
  std::chrono::steady_clock::time_point last_print_{};
};

std::string human_bytes(uint64_t n);

}  // namespace lightbert::hub
