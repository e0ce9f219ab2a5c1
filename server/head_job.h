// server/head_job.h: task-head requests (lightbert/tasks.h) as batcher jobs, like the embeddings.
// Contract: a HeadJob holds a request's encoder sequences (its inputs' encodings, or every
// window of a /qa request's items) and `rows`, the head's post-processor over encoder rows (the
// heads' *_rows() methods). The batcher merges it with every other queued job, heads and
// embeddings alike, into its shared padding-free batches of at most --max-batch-tokens tokens (a
// job larger than that is split across batches, each sequence whole) and calls
// rows(out, out_first, begin, count) on its thread right after each forward pass: the job's
// sequences [begin, begin + count) are out's sequences out_first.. (batcher.h, consume()). So a
// head's products run where the model's forward passes are serialised (tasks.h). `rows` must own
// (or share) what it reads and writes: a job whose client left finishes after its handler has
// returned. Input errors are found before queueing (encode_head_inputs(), the heads' checks);
// what `rows` throws fails the job (500 "backend").
// encode_head_inputs() tokenizes as the heads' one-call methods (pairs for text_pair; with
// `truncate`, cut at model.max_length(), which --max-input-length caps) with the server's rules:
// 413 naming FIELD[I] for an input longer than the maximum unless `truncate`, 400 naming it for
// invalid text, --max-word-chars and --max-request-tokens as tokenize_inputs (handlers.h).
// throw_head_error() maps a head's lightbert::Error: kOutOfRange -> 413 "validation",
// kInvalidArgument -> 400 "validation" (in both a leading "input I: " becomes "FIELD[I]: "),
// anything else -> 500 "backend".
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "lightbert/error.h"
#include "server/batcher.h"
#include "server/handlers.h"

namespace lightbert::server {

class HeadJob : public BatchJob {
 public:
  using Rows =
      std::function<void(const EncoderOutput& out, size_t out_first, size_t begin, size_t count)>;
  HeadJob(std::vector<Sequence> sequences, Rows rows)
      : BatchJob(std::move(sequences)), rows_(std::move(rows)) {}
  void consume(const EncoderOutput& out, size_t out_first, size_t begin, size_t count) override {
    rows_(out, out_first, begin, count);
  }

 private:
  Rows rows_;
};

// The encoder sequences of `encodings`, in order.
std::vector<Sequence> head_sequences(const std::vector<Encoding>& encodings);

std::vector<Encoding> encode_head_inputs(const ServerContext& ctx,
                                         const std::vector<TextInput>& inputs, bool truncate,
                                         const char* field);

[[noreturn]] void throw_head_error(const Error& e, const std::string& field);

// "input I: rest" -> "FIELD[I]: rest"; other messages unchanged.
std::string name_input(const std::string& message, const std::string& field);

}  // namespace lightbert::server
