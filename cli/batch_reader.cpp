// cli/batch_reader.cpp: see batch_reader.h.
#include "batch_reader.h"

#include <algorithm>

#include "lightbert/error.h"
#include "lightbert/model.h"

namespace lightbert::cli {

BatchReader::BatchReader(std::istream& in, std::string model_dir, int max_length, bool truncate,
                         bool allow_ids, size_t batch_size)
    : in_(in),
      model_dir_(std::move(model_dir)),
      max_length_(max_length),
      truncate_(truncate),
      allow_ids_(allow_ids),
      batch_size_(std::max<size_t>(batch_size, 1)) {}

const Tokenizer& BatchReader::tokenizer() {
  if (external_ != nullptr) return *external_;
  if (!tokenizer_) tokenizer_ = std::make_unique<Tokenizer>(load_tokenizer(model_dir_));
  return *tokenizer_;
}

bool BatchReader::next(SequenceBatch& batch) {
  batch.clear();
  line_numbers_.clear();
  std::string line;
  while (batch.num_sequences() < batch_size_ && next_line(in_, line, line_no_)) {
    InputLine in = parse_input(line, line_no_, allow_ids_);
    if (in.text) {
      const Tokenizer& tok = tokenizer();
      EncodeOptions opts;
      opts.max_length = std::min(max_length_, tok.config().model_max_length);
      opts.truncation = truncate_;
      Encoding e;
      try {
        e = in.text->text_pair ? tok.encode_pair(in.text->text, *in.text->text_pair, opts)
                               : tok.encode(in.text->text, opts);
      } catch (const Error& err) {
        throw Error(err.code(), "stdin line " + std::to_string(line_no_) + ": " + err.what());
      }
      if (static_cast<int>(e.size()) > opts.max_length) {
        throw Error(ErrorCode::kOutOfRange,
                    "stdin line " + std::to_string(line_no_) + ": " + std::to_string(e.size()) +
                        " tokens, more than the model's maximum of " +
                        std::to_string(opts.max_length) + " (use --truncate)");
      }
      batch.add(e.input_ids, e.token_type_ids);
    } else {
      batch.add(in.input_ids, in.token_type_ids);
    }
    line_numbers_.push_back(line_no_);
  }
  return batch.num_sequences() > 0;
}

}  // namespace lightbert::cli
