// server/batcher.h: dynamic batching of encoder work from many HTTP requests.
// Contract: HTTP threads tokenize and submit() a BatchJob (its sequences, already within the
// model's limits); ONE batcher thread owns the Encoder: it takes whatever is queued, waiting up
// to max_wait_ms for more only while more is known to be on its way (requests being parsed,
// or fewer queued than the last batch held), merges jobs in FIFO order into padding-free
// batches of at most max_batch_tokens real tokens (a job larger than that is split across
// batches), runs the encoder once per batch and hands each job its rows (BatchJob::consume).
// The queue is bounded (max_queue jobs): submit() says kFull instead of blocking. A job
// cancelled by its HTTP thread (the client left) is dropped before its unrun sequences run.
// Every job kind (embeddings, every task head: head_job.h) is just sequences plus what consume()
// does with their rows, so any jobs merge into one batch; consume() runs on the batcher thread
// right after the forward pass, so what it runs on the model is serialised with the forwards.
// A job without sequences is done at once.
// stop() refuses new jobs, finishes everything queued, then joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lightbert/encoder.h"

namespace lightbert::server {

class Metrics;

struct Sequence {
  std::vector<int32_t> ids;
  std::vector<int32_t> types;  // empty: all zeros
};

// One request's encoder work. Subclasses (embedding, and the task heads) say what to do with
// the encoder rows of their sequences (consume(); throwing fails the job).
class BatchJob {
 public:
  enum class State { kPending, kDone, kFailed, kCancelled };

  explicit BatchJob(std::vector<Sequence> sequences);
  virtual ~BatchJob() = default;

  const std::vector<Sequence>& sequences() const { return sequences_; }
  size_t num_tokens() const { return num_tokens_; }

  // Batcher thread: sequences [begin, begin + count) of this job are sequences
  // out_first .. out_first + count - 1 of `out`.
  virtual void consume(const EncoderOutput& out, size_t out_first, size_t begin, size_t count) = 0;

  // Any thread: the client left; sequences not yet run are dropped.
  void cancel();
  bool cancelled() const;
  // Waits until the batcher has finished with the job, at most `timeout`; true when finished.
  bool wait_for(std::chrono::milliseconds timeout);
  State state() const;
  std::string error() const;  // kFailed: why

 private:
  friend class Batcher;
  void finish(State state, const std::string& error = {});

  std::vector<Sequence> sequences_;
  size_t num_tokens_ = 0;
  size_t next_ = 0;       // batcher thread: first sequence not yet scheduled
  size_t remaining_ = 0;  // batcher thread: sequences not yet consumed
  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::kPending;
  bool cancel_requested_ = false;
  std::string error_;
};

class Batcher {
 public:
  struct Options {
    size_t max_batch_tokens = 16384;
    size_t max_queue = 512;
    int max_wait_ms = 2;
    int debug_delay_ms = 0;  // sleep before each batch (tests)
  };
  enum class Submit { kQueued, kFull, kStopping };

  // `encoder` and `metrics` (may be null) must outlive the Batcher.
  Batcher(Encoder& encoder, const Options& options, Metrics* metrics);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  Submit submit(std::shared_ptr<BatchJob> job);
  void stop();
  size_t queue_depth() const;

  // Held by an HTTP thread while it parses and tokenizes a request for the encoder, so the
  // batcher knows more work is about to arrive.
  class Arrival {
   public:
    explicit Arrival(Batcher& b);
    ~Arrival();
    Arrival(const Arrival&) = delete;
    Arrival& operator=(const Arrival&) = delete;

   private:
    Batcher& b_;
  };

 private:
  struct Slice {
    std::shared_ptr<BatchJob> job;
    size_t begin, count;
  };
  void run();
  void wait_for_more(std::unique_lock<std::mutex>& lock);
  std::vector<Slice> take_batch(SequenceBatch& batch);  // under mu_
  void run_batch(const std::vector<Slice>& slices, const SequenceBatch& batch);

  Encoder& encoder_;
  Options options_;
  Metrics* metrics_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<BatchJob>> queue_;
  size_t queued_tokens_ = 0;  // tokens of the queued jobs' unscheduled sequences
  int arriving_ = 0;
  size_t last_batch_jobs_ = 0;
  bool stopping_ = false;
  std::thread thread_;
  EncoderOutput out_;
};

}  // namespace lightbert::server
