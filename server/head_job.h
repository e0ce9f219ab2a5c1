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
#pragma once

#include <exception>
#include <functional>
#include <string>

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

// "input I: rest" -> "FIELD[I]: rest"; other messages unchanged.
std::string name_input(const std::string& message, const std::string& field);

}  // namespace lightbert::server
