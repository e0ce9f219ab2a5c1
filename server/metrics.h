// server/metrics.h: the server's Prometheus metrics (text exposition format 0.0.4).
// Contract: thread-safe recording from HTTP and batcher threads; render() returns the whole
// exposition: lightbert_requests_total{endpoint,status}, lightbert_request_duration_seconds
// (histogram per endpoint), lightbert_batch_sequences and lightbert_batch_tokens (histograms),
// lightbert_queue_depth (gauge, requests waiting), lightbert_tokens_total,
// lightbert_sequences_total, lightbert_cancelled_requests_total, lightbert_rejected_requests_total
// (429). Endpoint labels come from a fixed set (unknown paths are "other"), so label
// cardinality is bounded whatever clients send.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lightbert::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  // Appends the _bucket/_sum/_count lines of metric `name` with extra labels `labels`
  // (e.g. `endpoint="/embed"`, or empty).
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  // The endpoint label for a request path: the path itself when it is one of ours, else "other".
  static std::string endpoint_label(const std::string& path);

  void record_request(const std::string& path, int status, double seconds);
  void record_batch(size_t sequences, size_t tokens);
  void set_queue_depth(size_t requests) { queue_depth_.store(requests); }
  void add_cancelled() { cancelled_.fetch_add(1); }
  void add_rejected() { rejected_.fetch_add(1); }

  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (endpoint, status)
  std::map<std::string, Histogram> latency_;                  // per endpoint
  Histogram batch_sequences_;
  Histogram batch_tokens_;
  std::atomic<size_t> queue_depth_{0};
  std::atomic<uint64_t> tokens_{0};
  std::atomic<uint64_t> sequences_{0};
  std::atomic<uint64_t> cancelled_{0};
  std::atomic<uint64_t> rejected_{0};
};

}  // namespace lightbert::server
