// server/batcher.cpp: see batcher.h.
#include "server/batcher.h"

#include <exception>

#include "server/metrics.h"

namespace lightbert::server {

BatchJob::BatchJob(std::vector<Sequence> sequences)
    : sequences_(std::move(sequences)), remaining_(sequences_.size()) {
  for (const Sequence& s : sequences_) num_tokens_ += s.ids.size();
}

void BatchJob::cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancel_requested_ = true;
}

bool BatchJob::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancel_requested_;
}

bool BatchJob::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return state_ != State::kPending; });
}

BatchJob::State BatchJob::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string BatchJob::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void BatchJob::finish(State state, const std::string& error) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != State::kPending) return;
    state_ = state;
    error_ = error;
  }
  cv_.notify_all();
}

Batcher::Arrival::Arrival(Batcher& b) : b_(b) {
  std::lock_guard<std::mutex> lock(b_.mu_);
  ++b_.arriving_;
}

Batcher::Arrival::~Arrival() {
  {
    std::lock_guard<std::mutex> lock(b_.mu_);
    --b_.arriving_;
  }
  b_.cv_.notify_all();
}

Batcher::Batcher(Encoder& encoder, const Options& options, Metrics* metrics)
    : encoder_(encoder), options_(options), metrics_(metrics) {
  thread_ = std::thread([this] { run(); });
}

Batcher::~Batcher() {
  stop();
}

Batcher::Submit Batcher::submit(std::shared_ptr<BatchJob> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Submit::kStopping;
    if (queue_.size() >= options_.max_queue) return Submit::kFull;
    if (job->sequences().empty()) {  // nothing to run
      job->finish(BatchJob::State::kDone);
      return Submit::kQueued;
    }
    queued_tokens_ += job->num_tokens();
    queue_.push_back(std::move(job));
    if (metrics_ != nullptr) metrics_->set_queue_depth(queue_.size());
  }
  cv_.notify_all();
  return Submit::kQueued;
}

void Batcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t Batcher::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void Batcher::run() {
  SequenceBatch batch;
  for (;;) {
    std::vector<Slice> slices;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      wait_for_more(lock);
      slices = take_batch(batch);
      if (metrics_ != nullptr) metrics_->set_queue_depth(queue_.size());
    }
    if (slices.empty()) continue;
    run_batch(slices, batch);
  }
}

void Batcher::wait_for_more(std::unique_lock<std::mutex>& lock) {
  if (options_.max_wait_ms <= 0) return;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.max_wait_ms);
  while (!stopping_ && queued_tokens_ < options_.max_batch_tokens &&
         (arriving_ > 0 || queue_.size() < last_batch_jobs_)) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
}

std::vector<Batcher::Slice> Batcher::take_batch(SequenceBatch& batch) {
  batch.clear();
  std::vector<Slice> slices;
  while (!queue_.empty()) {
    BatchJob& job = *queue_.front();
    if (job.cancelled() || job.state() != BatchJob::State::kPending) {  // left, or failed
      for (size_t i = job.next_; i < job.sequences_.size(); ++i) {
        queued_tokens_ -= job.sequences_[i].ids.size();
      }
      job.finish(BatchJob::State::kCancelled);
      queue_.pop_front();
      continue;
    }
    const size_t begin = job.next_;
    while (job.next_ < job.sequences_.size()) {
      const Sequence& s = job.sequences_[job.next_];
      if (batch.num_sequences() > 0 &&
          batch.num_tokens() + s.ids.size() > options_.max_batch_tokens)
        break;
      batch.add(s.ids, s.types);
      queued_tokens_ -= s.ids.size();
      ++job.next_;
    }
    if (job.next_ > begin) slices.push_back({queue_.front(), begin, job.next_ - begin});
    if (job.next_ < job.sequences_.size()) break;  // the batch is full
    queue_.pop_front();
  }
  last_batch_jobs_ = slices.size();
  return slices;
}

void Batcher::run_batch(const std::vector<Slice>& slices, const SequenceBatch& batch) {
  if (options_.debug_delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.debug_delay_ms));
  }
  std::string error;
  try {
    encoder_.forward(batch, out_);
  } catch (const std::exception& e) {
    error = std::string("the encoder failed: ") + e.what();
  }
  if (metrics_ != nullptr && error.empty()) {
    metrics_->record_batch(batch.num_sequences(), batch.num_tokens());
  }
  size_t row = 0;
  for (const Slice& s : slices) {
    BatchJob& job = *s.job;
    if (!error.empty()) {
      job.finish(BatchJob::State::kFailed, error);
    } else {
      try {
        job.consume(out_, row, s.begin, s.count);
        job.remaining_ -= s.count;
        if (job.remaining_ == 0) job.finish(BatchJob::State::kDone);
      } catch (const std::exception& e) {
        job.finish(BatchJob::State::kFailed, e.what());
      }
    }
    row += s.count;
  }
}

}  // namespace lightbert::server
