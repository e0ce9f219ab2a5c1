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
// chunk_inputs() splits inputs so that no head call runs a forward pass of more than
// --max-batch-tokens tokens (as the embedding batches); for_each_chunk() runs them in order,
// renaming a chunk's "input I: " errors to the request's index. InputsJob (below) merges the
// queued requests of one head and options into one call, as the batcher merges embeddings.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lightbert/error.h"
#include "server/batcher.h"
#include "server/handlers.h"

namespace lightbert::server {

// What every head job shares: what its work threw, read once the job is done.
class HeadJobBase : public BatchJob {
 public:
  HeadJobBase() : BatchJob({}) {}
  bool runs_alone() const override { return true; }
  void consume(const EncoderOutput&, size_t, size_t, size_t) override {}
  std::exception_ptr failure() const { return failure_; }

 protected:
  std::exception_ptr failure_;
};

// One call, never merged (/qa).
class HeadJob : public HeadJobBase {
 public:
  explicit HeadJob(std::function<void()> work) : work_(std::move(work)) {}
  void run_alone() override;  // runs the work, keeping what it throws

 private:
  std::function<void()> work_;
};

// Queues `job` and waits for it (run_job), then rethrows what its work threw, mapped as above.
// wait_head_job() is the second half, for a job queued with submit_job() (handlers.h).
void run_head_job(ServerContext& ctx, const std::string& field,
                  const std::shared_ptr<HeadJobBase>& job);
void wait_head_job(ServerContext& ctx, const std::string& field,
                   const std::shared_ptr<HeadJobBase>& job);
void run_head(ServerContext& ctx, const std::string& field, std::function<void()> work);
// The mapping above, for head work done on the HTTP thread (/qa's tokenizing and selection).
[[noreturn]] void throw_head_error(const Error& e, const std::string& field);

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

// A head call over independent inputs (/predict, /ner, /fill-mask): `call` maps inputs to one
// result each. Jobs with the same key (same head and options; the key names the result type
// too) queued one after another run as one call over all their inputs, in chunks of at most
// max_tokens tokens; when that merged call throws (one request's bad input), each job runs by
// itself instead, so every request gets its own answer or error.
template <typename Result>
class InputsJob : public HeadJobBase {
 public:
  using Call = std::function<std::vector<Result>(const std::vector<TextInput>&)>;
  InputsJob(std::string key, std::vector<TextInput> inputs, std::vector<size_t> token_counts,
            size_t max_tokens, Call call)
      : key_(std::move(key)),
        inputs_(std::move(inputs)),
        counts_(std::move(token_counts)),
        max_tokens_(max_tokens),
        call_(std::move(call)) {
    for (size_t n : counts_) tokens_ += n;
  }
  std::string merge_key() const override { return key_; }
  size_t alone_tokens() const override { return tokens_; }
  void run_alone() override {
    try {
      results_ = run(inputs_, counts_);
    } catch (...) {
      failure_ = std::current_exception();
    }
  }
  void run_group(const std::vector<BatchJob*>& group) override {
    std::vector<InputsJob*> jobs;
    for (BatchJob* b : group) jobs.push_back(dynamic_cast<InputsJob*>(b));
    if (jobs.size() > 1 && std::find(jobs.begin(), jobs.end(), nullptr) == jobs.end()) {
      std::vector<TextInput> all;
      std::vector<size_t> counts;
      for (InputsJob* j : jobs) {
        all.insert(all.end(), j->inputs_.begin(), j->inputs_.end());
        counts.insert(counts.end(), j->counts_.begin(), j->counts_.end());
      }
      try {
        std::vector<Result> out = run(all, counts);
        size_t at = 0;
        for (InputsJob* j : jobs) {
          for (size_t i = 0; i < j->inputs_.size(); ++i)
            j->results_.push_back(std::move(out[at++]));
        }
        return;
      } catch (...) {
        for (InputsJob* j : jobs) j->results_.clear();  // each by itself, below
      }
    }
    for (BatchJob* b : group) b->run_alone();
  }
  // One result per input, in order; read once the job is done without failure.
  std::vector<Result>& results() { return results_; }

 private:
  std::vector<Result> run(const std::vector<TextInput>& inputs, const std::vector<size_t>& counts) {
    std::vector<Result> out;
    for_each_chunk(chunk_inputs(counts, max_tokens_), [&](const Chunk& c) {
      const std::vector<TextInput> part(inputs.begin() + c.begin, inputs.begin() + c.end);
      for (Result& r : call_(part)) out.push_back(std::move(r));
    });
    return out;
  }

  std::string key_;
  std::vector<TextInput> inputs_;
  std::vector<size_t> counts_;
  size_t tokens_ = 0;
  size_t max_tokens_;
  Call call_;
  std::vector<Result> results_;
};

}  // namespace lightbert::server
