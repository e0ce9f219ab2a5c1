// cli/progress.h: the progress line of long CLI jobs (embed, hidden, the head commands, convert).
// Contract: a Progress is active only when stderr is a terminal (isatty(2)); LIGHTBERT_PROGRESS=0
// turns it off, LIGHTBERT_PROGRESS=1 turns it on whatever stderr is. Inactive, every call is a
// no-op and nothing is written. Active, add() counts sequences and tokens and redraws one line
// on stderr ("\r...\x1b[K") at most every 0.2 s: "<what>: N seq, X seq/s, Y tok/s" plus
// "P%, ETA m:ss" when the input size is known (stdin a regular file: the fraction of its bytes
// read, from the descriptor's offset; or a total given to set_total()), and finish() draws the
// final line and a newline. stage() shows a free-text step (convert). Writes to stderr only, so
// stdout stays the JSON-lines / .npy output.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lightbert::cli {

class Progress {
 public:
  explicit Progress(std::string what);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool active() const { return active_; }
  void set_total(uint64_t sequences) { total_ = sequences; }  // known number of sequences
  void add(uint64_t sequences, uint64_t tokens);
  void stage(const std::string& text);  // "convert: timing 3/5"
  void finish();

 private:
  void draw(bool force);
  double fraction() const;  // of the input done, or < 0 when unknown

  std::string what_;
  bool active_ = false;
  bool finished_ = false;
  uint64_t seqs_ = 0, tokens_ = 0, total_ = 0;
  int64_t stdin_size_ = -1;  // bytes, when stdin is a regular file
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::string stage_;
};

// Whether the progress line is on for this process (the rule above).
bool progress_enabled();

}  // namespace lightbert::cli
