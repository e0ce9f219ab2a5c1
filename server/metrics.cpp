// server/metrics.cpp: see metrics.h.
#include "server/metrics.h"

#include <charconv>
#include <tuple>

namespace lightbert::server {

namespace {

const char* const kEndpoints[] = {"/embed",     "/v1/embeddings", "/predict", "/ner",    "/qa",
                                  "/fill-mask", "/health",        "/info",    "/metrics"};

const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1,     2.5,  5,     10};

std::string fmt_double(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? fmt_double(bounds_[i]) : "+Inf";
    out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) +
           "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + fmt_double(sum_) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

Metrics::Metrics()
    : batch_sequences_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}),
      batch_tokens_({16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536}) {
  for (const char* e : kEndpoints) {
    latency_.emplace(std::piecewise_construct, std::forward_as_tuple(e),
                     std::forward_as_tuple(kLatencyBounds));
  }
  latency_.emplace(std::piecewise_construct, std::forward_as_tuple("other"),
                   std::forward_as_tuple(kLatencyBounds));
}

std::string Metrics::endpoint_label(const std::string& path) {
  for (const char* e : kEndpoints) {
    if (path == e) return e;
  }
  return "other";
}

void Metrics::record_request(const std::string& path, int status, double seconds) {
  const std::string endpoint = endpoint_label(path);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{endpoint, status}];
  }
  latency_.at(endpoint).observe(seconds);  // the map itself is never modified after construction
}

void Metrics::record_batch(size_t sequences, size_t tokens) {
  batch_sequences_.observe(static_cast<double>(sequences));
  batch_tokens_.observe(static_cast<double>(tokens));
  sequences_.fetch_add(sequences);
  tokens_.fetch_add(tokens);
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP lightbert_requests_total HTTP requests answered, by endpoint and status.\n";
  out += "# TYPE lightbert_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, n] : requests_) {
      out += "lightbert_requests_total{endpoint=\"" + key.first + "\",status=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP lightbert_request_duration_seconds Time from a request's arrival to its answer.\n";
  out += "# TYPE lightbert_request_duration_seconds histogram\n";
  for (const auto& [endpoint, h] : latency_) {
    h.render(out, "lightbert_request_duration_seconds", "endpoint=\"" + endpoint + "\"");
  }
  out += "# HELP lightbert_batch_sequences Sequences per encoder batch.\n";
  out += "# TYPE lightbert_batch_sequences histogram\n";
  batch_sequences_.render(out, "lightbert_batch_sequences", "");
  out += "# HELP lightbert_batch_tokens Real tokens per encoder batch.\n";
  out += "# TYPE lightbert_batch_tokens histogram\n";
  batch_tokens_.render(out, "lightbert_batch_tokens", "");
  out += "# HELP lightbert_queue_depth Requests waiting for the batcher.\n";
  out += "# TYPE lightbert_queue_depth gauge\n";
  out += "lightbert_queue_depth " + std::to_string(queue_depth_.load()) + "\n";
  out += "# HELP lightbert_tokens_total Tokens run through the encoder.\n";
  out += "# TYPE lightbert_tokens_total counter\n";
  out += "lightbert_tokens_total " + std::to_string(tokens_.load()) + "\n";
  out += "# HELP lightbert_sequences_total Sequences run through the encoder.\n";
  out += "# TYPE lightbert_sequences_total counter\n";
  out += "lightbert_sequences_total " + std::to_string(sequences_.load()) + "\n";
  out += "# HELP lightbert_cancelled_requests_total Requests dropped because the client left.\n";
  out += "# TYPE lightbert_cancelled_requests_total counter\n";
  out += "lightbert_cancelled_requests_total " + std::to_string(cancelled_.load()) + "\n";
  out += "# HELP lightbert_rejected_requests_total Requests refused with 429 (queue full).\n";
  out += "# TYPE lightbert_rejected_requests_total counter\n";
  out += "lightbert_rejected_requests_total " + std::to_string(rejected_.load()) + "\n";
  return out;
}

}  // namespace lightbert::server
