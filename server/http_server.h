// server/http_server.h: `lightbert serve` as a library object: model + batcher + HTTP.
// Contract: the constructor loads the model (ServerOptions::model_dir) and validates the
// options, throwing lightbert::Error naming the option at fault. start() binds host:port
// (port 0: an ephemeral one) and serves in background threads, returning the port; a bind
// failure throws kIo. The constructor also builds the model's task heads (task_heads.h).
// With DeferLoad the constructor only validates the options and sets up HTTP: start() then
// serves while the model is not loaded yet (phase kLoading: the probes answer, /ready and /health
// are 503 {"status":"loading"}, model endpoints and /info are 503 "unhealthy"), and load_model()
// (any thread, once) loads it and turns the phase to kReady, or throws lightbert::Error; the
// object must not be shut down or destroyed while load_model() runs.
// begin_drain() turns the phase to kDraining (/ready and /health 503 {"status":"stopping"}) while
// everything keeps being served, each answer closing its connection ("Connection: close"); idle
// keep-alive connections stay open until their next request or their idle timeout.
// shutdown() stops accepting, answers every request already received (the batcher finishes its
// queue), then joins all threads; it is idempotent and also run by the destructor. Endpoints:
// handlers.h; the probes GET /live, /ready and /health: handlers_info.cpp. The constructor fixes glibc's malloc thresholds for the process (mmap 512 KiB,
// trim 1 MiB) so that memory of large requests goes back to the system (http_server.cpp).
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <memory>
#include <thread>

#include "server/probes.h"
#include "server/server_options.h"

namespace lightbert {
class Model;
}

namespace lightbert::server {

class Batcher;
class HttpCore;
class Metrics;
struct ServerContext;
struct TaskHeads;

class HttpServer {
 public:
  struct DeferLoad {};
  explicit HttpServer(const ServerOptions& options);
  HttpServer(const ServerOptions& options, DeferLoad);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int start();
  void load_model();
  void begin_drain();
  void shutdown();
  Phase phase() const { return static_cast<Phase>(phase_.load()); }

  const ServerOptions& options() const { return options_; }
  Metrics& metrics() { return *metrics_; }

 private:
  void register_routes();
  // Each route's path -> the one method it answers ("GET" or "POST"): any other method on that
  // path is 405 with an Allow header.
  std::map<std::string, std::string> allowed_methods_;

  ServerOptions options_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<TaskHeads> heads_;  // after model_: the heads reference it
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<ServerContext> ctx_;
  std::atomic<ServerContext*> ready_ctx_{nullptr};  // ctx_ once the model is loaded
  std::atomic<int> phase_{static_cast<int>(Phase::kLoading)};
  bool load_started_ = false;
  std::unique_ptr<HttpCore> http_;
  std::thread listen_thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace lightbert::server
