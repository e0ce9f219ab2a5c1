// server/http_core.cpp: see http_core.h.
#include "server/http_core.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <utility>

namespace lightbert::server {

namespace {

using Clock = std::chrono::steady_clock;

thread_local socket_t tl_socket = -1;
thread_local Clock::time_point tl_request_start;
thread_local bool tl_close_after = false;

// cpp-httplib's thread pool, counting the connections that wait for a thread.
class CountingPool : public httplib::TaskQueue {
 public:
  CountingPool(size_t threads, std::atomic<int>& waiting) : pool_(threads), waiting_(waiting) {}
  void enqueue(std::function<void()> fn) override {
    waiting_.fetch_add(1);
    pool_.enqueue([this, fn = std::move(fn)] {
      waiting_.fetch_sub(1);
      fn();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  std::atomic<int>& waiting_;
};

// Fails reads once the request's deadline has passed; everything else passes through.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(httplib::Stream& s, Clock::time_point deadline) : s_(s), deadline_(deadline) {}
  bool is_readable() const override { return s_.is_readable(); }
  bool is_writable() const override { return s_.is_writable(); }
  ssize_t read(char* ptr, size_t size) override {
    if (Clock::now() > deadline_) return -1;
    return s_.read(ptr, size);
  }
  ssize_t write(const char* ptr, size_t size) override { return s_.write(ptr, size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    s_.get_remote_ip_and_port(ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    s_.get_local_ip_and_port(ip, port);
  }
  socket_t socket() const override { return s_.socket(); }

 private:
  httplib::Stream& s_;
  Clock::time_point deadline_;
};

}  // namespace

HttpCore::HttpCore(const ServerOptions& options) : request_deadline_s_(options.request_deadline_s) {
  const size_t threads = static_cast<size_t>(options.http_threads);
  new_task_queue = [this, threads] { return new CountingPool(threads, waiting_); };
  set_read_timeout(options.read_timeout_s, 0);
  set_write_timeout(options.read_timeout_s, 0);
  set_keep_alive_timeout(options.keep_alive_timeout_s);
  set_keep_alive_max_count(static_cast<size_t>(options.keep_alive_max));
  set_payload_max_length(options.max_body_bytes);
  // Without TCP_NODELAY a keep-alive client waits ~40 ms per request: the response goes out in
  // two writes (headers, body) and Nagle holds the second until the client's delayed ACK.
  // (Set on the listening socket; Linux passes it on to accepted sockets.)
  set_tcp_nodelay(true);
  // cpp-httplib sets SO_REUSEPORT, which lets a second server bind the same port and the
  // kernel spread connections across both: SO_REUSEADDR only (restarts past TIME_WAIT).
  set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

void HttpCore::raise_backlog(int backlog) {
  const socket_t s = svr_sock_.load();
  if (s != INVALID_SOCKET) ::listen(s, backlog);  // Linux: updates the backlog in place
}

bool HttpCore::peer_closed() {
  if (tl_socket < 0) return false;
  pollfd p{tl_socket, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if ((p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) return true;
  if ((p.revents & POLLIN) != 0) {  // data (a pipelined request) or end of stream
    char c;
    return ::recv(tl_socket, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }
  return false;
}

std::chrono::steady_clock::time_point HttpCore::request_start() {
  return tl_request_start;
}

void HttpCore::close_after_response() {
  tl_close_after = true;
}

bool HttpCore::wait_for_request(socket_t sock) const {
  const auto give_up = Clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  for (;;) {
    pollfd p{sock, POLLIN, 0};
    const int r = ::poll(&p, 1, 50);
    if (r > 0) return true;  // data, or end of stream (process_request then sees it)
    if (r < 0 && errno != EINTR) return false;
    if (draining_.load() || Clock::now() >= give_up) return false;
  }
}

bool HttpCore::process_and_close_socket(socket_t sock) {
  tl_socket = sock;
  bool ok = false;
  for (size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!wait_for_request(sock)) break;
    tl_request_start = Clock::now();
    tl_close_after = false;
    const bool close = left == 1 || draining_.load() || waiting_.load() > 0;
    bool connection_closed = false;
    const auto deadline = tl_request_start + std::chrono::seconds(request_deadline_s_);
    ok = httplib::detail::process_client_socket(
        sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_, write_timeout_usec_,
        [&](httplib::Stream& strm) {
          DeadlineStream guarded(strm, deadline);
          return process_request(guarded, close, connection_closed, nullptr);
        });
    if (!ok || connection_closed || close || tl_close_after) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  tl_socket = -1;
  return ok;
}

}  // namespace lightbert::server
