// cli/batch_reader.h: turns stdin JSON lines into padding-free batches for the model commands.
// Contract: next() fills `batch` with up to batch_size inputs (text lines are tokenized with
// the folder's tokenizer, loaded on first use; input_ids lines are taken as they are) and
// returns false at end of input. A text longer than max_length is an error naming its line
// unless truncation was asked for. Errors name the stdin line.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "jsonl.h"
#include "lightbert/encoder.h"
#include "lightbert/tokenizer.h"

namespace lightbert::cli {

class BatchReader {
 public:
  BatchReader(std::istream& in, std::string model_dir, int max_length, bool truncate,
              bool allow_ids, size_t batch_size);

  bool next(SequenceBatch& batch);
  const std::vector<size_t>& line_numbers() const { return line_numbers_; }  // of the last batch
  const Tokenizer& tokenizer();
  // Uses `tokenizer` (owned by the caller) instead of loading the folder's.
  void set_tokenizer(const Tokenizer* tokenizer) { external_ = tokenizer; }

 private:
  std::istream& in_;
  std::string model_dir_;
  int max_length_;
  bool truncate_;
  bool allow_ids_;
  size_t batch_size_;
  size_t line_no_ = 0;
  std::unique_ptr<Tokenizer> tokenizer_;
  const Tokenizer* external_ = nullptr;
  std::vector<size_t> line_numbers_;
};

}  // namespace lightbert::cli
