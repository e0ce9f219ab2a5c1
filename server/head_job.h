// server/head_job.h: task-head calls (lightbert/tasks.h) as batcher jobs.
// Contract: run_head(ctx, field, work) queues `work` as a job that runs alone on the batcher
// thread (batcher.h), so head calls never overlap each other or an embedding batch on the shared
// Model, and waits for it; the queue bound (429), client-disconnect cancellation (499) and
// SIGTERM draining apply as for the embedding jobs (run_job). `work` must own everything it
// reads and writes (capture by value or shared_ptr): a job whose client left while it ran
// finishes after its handler has returned. What `work` throws is rethrown on the HTTP thread as
// ApiError: lightbert::Error kOutOfRange -> 413 "validation", kInvalidArgument -> 400
// "validation" (in both a leading "input I: " becomes "FIELD[I]: "), ApiError as is, anything
// else -> 500 "backend".
// chunk_inputs() splits a request's inputs so that no head call runs a forward pass of more than
// --max-batch-tokens tokens (as the embedding batches); for_each_chunk() runs them in order,
// renaming a chunk's "input I: " errors to the request's index.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "server/batcher.h"
#include "server/handlers.h"

namespace lightbert::server {

class HeadJob : public BatchJob {
 public:
  explicit HeadJob(std::function<void()> work);
  bool runs_alone() const override { return true; }
  void run_alone() override;  // runs the work, keeping what it throws
  void consume(const EncoderOutput&, size_t, size_t, size_t) override {}
  // What the work threw (null when it succeeded); read once the job is done.
  std::exception_ptr failure() const { return failure_; }

 private:
  std::function<void()> work_;
  std::exception_ptr failure_;
};

void run_head(ServerContext& ctx, const std::string& field, std::function<void()> work);

// Consecutive inputs [begin, end) of a request.
struct Chunk {
  size_t begin = 0, end = 0;
};
// Greedy: inputs in order, a new chunk when the next would pass `max_tokens` (an input larger
// than that is a chunk of its own); no chunk is empty.
std::vector<Chunk> chunk_inputs(const std::vector<size_t>& token_counts, size_t max_tokens);
// fn(chunk) for each chunk in order; a lightbert::Error naming "input I: " is rethrown naming
// "input begin+I: " (the same code).
void for_each_chunk(const std::vector<Chunk>& chunks, const std::function<void(const Chunk&)>& fn);

// "input I: rest" -> "FIELD[I]: rest"; other messages unchanged.
std::string name_input(const std::string& message, const std::string& field);

}  // namespace lightbert::server
