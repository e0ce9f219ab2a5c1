// server/http_core.h: cpp-httplib's Server with the connection handling a long-running
// inference server needs.
// Contract: HttpCore serves each connection on one of `http_threads` pool threads with
// keep-alive, and adds what cpp-httplib 0.11 lacks:
//  - peer_closed(): from a handler, whether the client of the current request has gone
//    (FIN, reset or hang-up on its socket), so abandoned work can be dropped;
//  - a per-request deadline (request_deadline_s) on receiving the request, so a client that
//    trickles bytes cannot hold a thread forever (read_timeout_s bounds each silence);
//  - fairness: while other connections wait for a thread, a keep-alive connection is closed
//    after its current response ("Connection: close"), so 64 clients on 16 threads take turns;
//  - begin_drain(): idle keep-alive connections close at once and no new request starts on
//    them, while requests already received are answered (then stop() ends the accept loop).
// request_start() is the time the current request's first byte was seen (for latency).
#pragma once

#include <atomic>
#include <chrono>

#include <httplib.h>

#include "server/server_options.h"

namespace lightbert::server {

class HttpCore : public httplib::Server {
 public:
  explicit HttpCore(const ServerOptions& options);

  // After bind: a listen backlog of `backlog` (cpp-httplib's is 5, which makes bursts of
  // reconnecting clients wait for SYN retransmits).
  void raise_backlog(int backlog);
  void begin_drain() { draining_.store(true); }
  bool draining() const { return draining_.load(); }
  int waiting_connections() const { return waiting_.load(); }

  // Handler thread only: has the client of the request being handled closed its connection?
  static bool peer_closed();
  static std::chrono::steady_clock::time_point request_start();
  // Handler thread only: close the connection after the current response (used for the
  // errors cpp-httplib answers itself: a malformed or timed-out request leaves the stream in
  // an unknown state).
  static void close_after_response();

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Waits until `sock` has data, it is closed, or the keep-alive time runs out (false), giving
  // up early (false) when draining and nothing has arrived.
  bool wait_for_request(socket_t sock) const;

  int request_deadline_s_;
  std::atomic<bool> draining_{false};
  std::atomic<int> waiting_{0};  // accepted connections not yet on a thread
};

}  // namespace lightbert::server
