// server/http_core.h: cpp-httplib's Server with the connection handling a long-running
// inference server facing hostile clients needs.
// Contract: cpp-httplib only routes and writes answers; HttpCore owns the connections.
//  - One reception thread holds every connection that has not yet sent a complete request
//    (new ones, idle keep-alive ones, slow ones): it reads without blocking, frames requests
//    strictly (http_framing.h: header count/size limits, one Content-Length, chunked, 411/413
//    as soon as known) and hands only complete requests to the `http_threads` workers. Slow
//    clients therefore never hold a worker, and /health is answered at once.
//  - Deadlines per connection: the head within header_timeout_s of its first byte, the body
//    within body_timeout_s of the head, no silence over read_timeout_s, everything within
//    request_deadline_s; an idle keep-alive connection closes after keep_alive_timeout_s.
//    A missed deadline is answered 408 and closed. The probes (GET /health, /ready, /live:
//    probes.h) are answered by the reception itself, so they never wait behind requests queued
//    for a worker.
//  - A refused connection is closed lingering (shutdown, then up to 2 s of reading and dropping
//    what the client still sends) so that the answer is not lost to a TCP reset.
//  - Pipelined requests are kept in the connection's buffer and answered in order.
//  - Bodies with Content-Encoding gzip/deflate are inflated on the worker, up to
//    max_decompressed_bytes (413 beyond). Framing errors are answered with TEI's error body
//    naming the fault, "Connection: close", and reported through `on_rejected`.
//  - begin_closing(): everything is still served, but every answer from then on carries
//    "Connection: close" and its connection is closed after it (the graceful part of draining:
//    keep-alive clients learn to reconnect, at a moment without a request in flight; an answer
//    whose handler was running when the drain began gets it too); idle
//    keep-alive connections stay until their next request or their idle timeout.
//  - begin_drain(): connections without a complete request are closed at once (after a last
//    read: a request already in the socket's buffer counts as received; so for connections
//    accepted meanwhile), no new request is read, and requests already received are answered with "Connection: close"; it returns once
//    the reception has done that pass. stop() then ends the accept loop, waiting for the workers
//    to finish.
//  - After a request larger than 256 KiB the connection's buffer is released and free heap
//    pages are returned to the system (malloc_trim), so RSS does not keep every thread's peak.
//  - No SO_REUSEPORT: a second server cannot bind the same port.
// peer_closed(), request_start() and close_after_response() are for handler threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

#include "server/http_framing.h"
#include "server/server_options.h"

namespace lightbert::server {

class HttpCore : public httplib::Server {
 public:
  explicit HttpCore(const ServerOptions& options);
  ~HttpCore() override;

  // After bind: a listen backlog of `backlog` (cpp-httplib's is 5).
  void raise_backlog(int backlog);
  void begin_closing();
  void begin_drain();
  bool draining() const { return draining_.load(); }
  // Complete requests waiting for a worker.
  int waiting_connections() const { return waiting_.load(); }
  // Called (on the reception or a worker thread) for each request refused by the framing.
  std::function<void(int status, double seconds)> on_rejected;

  // Handler thread only: has the client of the request being handled closed its connection?
  static bool peer_closed();
  static std::chrono::steady_clock::time_point request_start();
  // Handler thread only: the target of the request being handled, as the framing read it.
  static const std::string& request_target();
  // Handler thread only: close the connection after the current response.
  static void close_after_response();

  struct Conn;
  // Stops the reception and the workers after the requests already received (idempotent).
  void shutdown_connections();

 private:
  bool process_and_close_socket(socket_t sock) override;
  void reception_loop();
  void worker_loop();
  void serve(std::unique_ptr<Conn> c);
  void wake();
  void try_frame(std::unique_ptr<Conn>& c);
  bool frame_one(std::unique_ptr<Conn>& c);
  void answer_inline(std::unique_ptr<Conn>& c, FramedRequest r);
  void refuse(Conn& c, int status, const std::string& message);

  FramingLimits limits_;
  int header_timeout_s_, body_timeout_s_, request_deadline_s_, idle_timeout_s_;
  size_t max_connections_;
  std::atomic<bool> closing_{false};   // begin_closing(): every answer closes its connection
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> waiting_{0};
  std::atomic<size_t> open_{0};  // connections held (reception + queued + being served)
  int wake_fd_ = -1;

  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<std::unique_ptr<Conn>> incoming_;  // to the reception (new or kept alive)
  std::deque<std::unique_ptr<Conn>> ready_;     // complete requests for the workers
  int busy_ = 0;                                // workers serving a request
  std::condition_variable idle_cv_;
  std::thread reception_;
  std::vector<std::thread> workers_;
  bool joined_ = false;
  bool drain_pass_done_ = false;  // the reception has seen draining_ (under mu_)
  std::condition_variable drained_cv_;
};

}  // namespace lightbert::server
