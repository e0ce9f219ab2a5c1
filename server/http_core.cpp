// server/http_core.cpp: see http_core.h.
#include "server/http_core.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "server/api_error.h"
#include "server/probes.h"

namespace lightbert::server {

namespace {

using Clock = std::chrono::steady_clock;

thread_local socket_t tl_socket = -1;
thread_local Clock::time_point tl_request_start;
thread_local bool tl_close_after = false;
thread_local std::string tl_target;  // the request target as framed (cpp-httplib may not parse it)

constexpr size_t kBigRequest = 256 * 1024;  // beyond: release the buffers afterwards

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// Sends all of `data` within `timeout`; false when the peer is gone or too slow.
bool send_all(int fd, const char* data, size_t size, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
  }
  return true;
}

std::string error_response(int status, const std::string& message) {
  const std::string body = error_body("validation", message);
  return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// The request, complete in memory, as a Stream for cpp-httplib; the answer is collected and
// sent in one go by flush().
class MemoryStream : public httplib::Stream {
 public:
  MemoryStream(int fd, std::string request) : fd_(fd), in_(std::move(request)) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::copy_n(in_.data() + pos_, n, ptr);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(false, ip, port); }
  socket_t socket() const override { return fd_; }
  // Turns the collected answer's keep-alive into "Connection: close" (its Keep-Alive header
  // line becomes that one; without one, the line is added after the status line).
  void mark_close() {
    const size_t head_end = out_.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    const size_t ka = out_.find("\r\nKeep-Alive: ");
    if (ka != std::string::npos && ka < head_end) {
      const size_t eol = out_.find("\r\n", ka + 2);
      out_.replace(ka + 2, eol - (ka + 2), "Connection: close");
    } else if (out_.find("\r\nConnection: close\r\n") >= head_end) {
      out_.insert(out_.find("\r\n") + 2, "Connection: close\r\n");
    }
  }
  bool flush(std::chrono::milliseconds timeout) {
    const bool ok = send_all(fd_, out_.data(), out_.size(), timeout);
    out_.clear();
    return ok;
  }

 private:
  void address(bool peer, std::string& ip, int& port) const {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    auto* sa = reinterpret_cast<sockaddr*>(&ss);
    if ((peer ? ::getpeername(fd_, sa, &len) : ::getsockname(fd_, sa, &len)) != 0) return;
    char buf[INET6_ADDRSTRLEN] = {0};
    if (ss.ss_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&ss);
      ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
      port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
      port = ntohs(in6->sin6_port);
    }
    ip = buf;
  }

  int fd_;
  std::string in_;
  size_t pos_ = 0;
  std::string out_;
};

// cpp-httplib's accept loop hands each socket to its task queue: run it at once (the reception
// takes it without blocking), and stop the connections when the loop ends.
class InlineQueue : public httplib::TaskQueue {
 public:
  explicit InlineQueue(HttpCore& core) : core_(core) {}
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override { core_.shutdown_connections(); }

 private:
  HttpCore& core_;
};

}  // namespace

struct HttpCore::Conn {
  int fd = -1;
  std::string buf;              // received, not yet framed (may hold pipelined requests)
  size_t served = 0;            // requests answered on this connection
  Clock::time_point idle_since;  // when it started waiting for its next request
  Clock::time_point first_byte;  // of the current request (valid when started)
  Clock::time_point head_at;     // when the head was complete (valid when head_done)
  Clock::time_point last_read;
  bool started = false, head_done = false, continue_sent = false;
  bool lingering = false;        // refused: draining the client's bytes before closing
  Clock::time_point linger_until;
  FramedRequest req;            // the complete request, for a worker
};

HttpCore::HttpCore(const ServerOptions& options)
    : header_timeout_s_(std::min(options.header_timeout_s, options.request_deadline_s)),
      body_timeout_s_(std::min(options.body_timeout_s, options.request_deadline_s)),
      request_deadline_s_(options.request_deadline_s),
      idle_timeout_s_(options.keep_alive_timeout_s),
      max_connections_(static_cast<size_t>(options.max_connections)) {
  limits_.max_body_bytes = options.max_body_bytes;
  limits_.max_decompressed_bytes = options.max_decompressed_bytes;
  limits_.max_header_bytes = options.max_header_bytes;
  limits_.max_headers = static_cast<size_t>(options.max_headers);
  new_task_queue = [this] { return new InlineQueue(*this); };
  set_read_timeout(options.read_timeout_s, 0);
  set_write_timeout(options.read_timeout_s, 0);
  set_keep_alive_timeout(options.keep_alive_timeout_s);
  set_keep_alive_max_count(static_cast<size_t>(options.keep_alive_max));
  // The framing enforces the limits; cpp-httplib sees the decoded body.
  set_payload_max_length(std::max(options.max_body_bytes, options.max_decompressed_bytes));
  // Without TCP_NODELAY a keep-alive client waits ~40 ms per request (Nagle + delayed ACK).
  set_tcp_nodelay(true);
  // cpp-httplib sets SO_REUSEPORT, which lets a second server bind the same port and the
  // kernel spread connections across both: SO_REUSEADDR only (restarts past TIME_WAIT).
  set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reception_ = std::thread([this] { reception_loop(); });
  for (int i = 0; i < options.http_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

HttpCore::~HttpCore() {
  begin_drain();
  shutdown_connections();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HttpCore::raise_backlog(int backlog) {
  const socket_t s = svr_sock_.load();
  if (s != INVALID_SOCKET) ::listen(s, backlog);  // Linux: updates the backlog in place
}

void HttpCore::wake() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
}

void HttpCore::begin_closing() {
  closing_.store(true);
}

void HttpCore::begin_drain() {
  draining_.store(true);
  ready_cv_.notify_all();
  wake();
  // Wait for the reception's last pass over its connections (requests already sent are framed
  // and queued), so that shutdown_connections() finds them queued and answers them.
  std::unique_lock<std::mutex> lock(mu_);
  if (joined_) return;
  drained_cv_.wait_for(lock, std::chrono::seconds(2), [this] { return drain_pass_done_; });
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

const std::string& HttpCore::request_target() {
  return tl_target;
}

void HttpCore::close_after_response() {
  tl_close_after = true;
}

bool HttpCore::process_and_close_socket(socket_t sock) {
  // On the accept thread: hand the connection to the reception (while draining too: a request
  // already sent on it is answered, otherwise it is closed unanswered, which a proxy retries as
  // a connection error; a 503 written before its request was read confuses proxies (nginx)).
  if (stopping_.load()) {
    ::close(sock);
    return false;
  }
  if (open_.load() >= max_connections_) {
    const std::string r = error_response(503, "too many open connections; retry later");
    send_all(sock, r.data(), r.size(), std::chrono::milliseconds(100));
    ::close(sock);
    if (on_rejected) on_rejected(503, 0.0);
    return false;
  }
  auto c = std::make_unique<Conn>();
  c->fd = sock;
  c->idle_since = Clock::now();
  open_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    incoming_.push_back(std::move(c));
  }
  wake();
  return true;
}

void HttpCore::refuse(Conn& c, int status, const std::string& message) {
  const std::string r = error_response(status, message);
  send_all(c.fd, r.data(), r.size(), std::chrono::milliseconds(200));
  if (on_rejected) {
    const double s = c.started ? std::chrono::duration<double>(Clock::now() - c.first_byte).count() : 0.0;
    on_rejected(status, s);
  }
}

// Frames what the connection holds; a complete request goes to the workers (c is then null).
void HttpCore::try_frame(std::unique_ptr<Conn>& c) {
  // Requests answered inline (/health) leave the connection here: frame the next one (a loop,
  // not recursion: a client may pipeline thousands).
  while (c && !c->lingering && !c->buf.empty()) {
    if (!frame_one(c)) return;
  }
}

// One request; true when it was answered inline and the connection stays with the reception.
bool HttpCore::frame_one(std::unique_ptr<Conn>& c) {
  if (!c->started) {
    c->started = true;
    c->first_byte = c->last_read = Clock::now();
  }
  FramedRequest r = frame_request(c->buf, limits_);
  switch (r.state) {
    case FramedRequest::State::kError:
      refuse(*c, r.status, r.message);
      // Lingering close: stop sending, then read and drop what the client still sends for a
      // moment, so that closing with unread data (a TCP reset) does not destroy the answer.
      ::shutdown(c->fd, SHUT_WR);
      c->lingering = true;
      c->linger_until = Clock::now() + std::chrono::seconds(2);
      c->buf.clear();
      return false;
    case FramedRequest::State::kIncomplete:
      if (r.head_done && !c->head_done) {
        c->head_done = true;
        c->head_at = Clock::now();
      }
      if (r.expect_continue && !c->continue_sent) {
        c->continue_sent = true;
        static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        send_all(c->fd, kContinue, sizeof(kContinue) - 1, std::chrono::milliseconds(200));
      }
      return false;
    case FramedRequest::State::kComplete:
      c->buf.erase(0, r.consumed);
      if (r.method == "GET" && is_probe_target(r.target) && r.body.empty()) {
        // Answered here, never queued behind requests waiting for a worker: the handler only
        // reads a flag, and the answer fits in the socket buffer.
        answer_inline(c, std::move(r));
        return true;
      }
      c->req = std::move(r);
      {
        std::lock_guard<std::mutex> lock(mu_);
        ready_.push_back(std::move(c));
        waiting_.store(static_cast<int>(ready_.size()));
      }
      ready_cv_.notify_one();
      return false;
  }
  return false;
}

void HttpCore::answer_inline(std::unique_ptr<Conn>& c, FramedRequest r) {
  const socket_t saved = tl_socket;
  tl_socket = c->fd;
  tl_request_start = c->first_byte;
  tl_close_after = false;
  tl_target = r.target;
  ++c->served;
  const bool close = !r.keep_alive || closing_.load() || draining_.load() ||
                     c->served >= keep_alive_max_count_;
  MemoryStream strm(c->fd, canonical_request(r));
  bool connection_closed = false;
  const bool ok = process_request(strm, close, connection_closed, nullptr);
  const bool sent = strm.flush(std::chrono::milliseconds(100));
  tl_socket = saved;
  if (!(ok && sent && !close && !connection_closed && !tl_close_after)) {
    ::close(c->fd);
    open_.fetch_sub(1);
    c.reset();
    return;
  }
  c->started = c->head_done = c->continue_sent = false;
  c->idle_since = Clock::now();
}

void HttpCore::reception_loop() {
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<pollfd> fds;
  const auto close_conn = [this](std::unique_ptr<Conn>& c) {
    ::close(c->fd);
    open_.fetch_sub(1);
    c.reset();
  };
  const size_t max_buffer = limits_.max_header_bytes + limits_.max_body_bytes + 65536;
  std::vector<char> chunk(65536);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (!incoming_.empty()) {
        conns.push_back(std::move(incoming_.front()));
        incoming_.pop_front();
      }
    }
    const bool draining = draining_.load();
    for (auto& c : conns) {
      if (c && draining) {
        // A request the client has already sent (in the socket's buffer, e.g. a proxy's request
        // on a connection it just opened) is still answered; anything else is closed at once.
        if (!c->lingering) {
          for (;;) {
            if (c->buf.size() > max_buffer) break;
            const ssize_t n = ::recv(c->fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
            if (n > 0) c->buf.append(chunk.data(), static_cast<size_t>(n));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
          }
          if (!c->buf.empty()) try_frame(c);
        }
        if (c) close_conn(c);
      } else if (c && !c->started && !c->buf.empty()) {
        try_frame(c);  // a pipelined request
      }
    }
    conns.erase(std::remove(conns.begin(), conns.end(), nullptr), conns.end());
    if (draining) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!drain_pass_done_) {
        drain_pass_done_ = true;
        drained_cv_.notify_all();
      }
    }
    if (stopping_.load()) break;

    fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
    for (auto& c : conns) fds.push_back(pollfd{c->fd, POLLIN, 0});
    ::poll(fds.data(), fds.size(), 50);
    if ((fds[0].revents & POLLIN) != 0) {
      uint64_t v;
      (void)!::read(wake_fd_, &v, sizeof(v));
    }
    const auto now = Clock::now();
    for (size_t i = 0; i < conns.size(); ++i) {
      std::unique_ptr<Conn>& c = conns[i];
      if (c->lingering) {
        bool done = now >= c->linger_until;
        if ((fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
          for (int k = 0; k < 16 && !done; ++k) {
            const ssize_t n = ::recv(c->fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) done = true;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          }
        }
        if (done) close_conn(c);
        continue;
      }
      if ((fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        bool eof = false;
        for (;;) {
          if (c->buf.size() > max_buffer) break;  // the framing refuses it
          const ssize_t n = ::recv(c->fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
          if (n > 0) {
            c->buf.append(chunk.data(), static_cast<size_t>(n));
            c->last_read = now;
            if (static_cast<size_t>(n) < chunk.size()) break;
            continue;
          }
          if (n < 0 && errno == EINTR) continue;
          if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) eof = true;
          break;
        }
        if (!c->buf.empty()) try_frame(c);
        if (c && c->lingering) continue;
        if (c && eof) {
          close_conn(c);  // the client left (or half-closed) without a complete request
        }
        if (!c) continue;
      }
      // Deadlines.
      Clock::time_point deadline;
      const char* what;
      if (!c->started) {
        deadline = c->idle_since + std::chrono::seconds(idle_timeout_s_);
        what = nullptr;  // idle keep-alive: close quietly
      } else {
        deadline = c->first_byte + std::chrono::seconds(request_deadline_s_);
        what = "the request was not received within the server's deadline";
        const auto head_limit = c->head_done ? c->head_at + std::chrono::seconds(body_timeout_s_)
                                             : c->first_byte + std::chrono::seconds(header_timeout_s_);
        if (head_limit < deadline) {
          deadline = head_limit;
          what = c->head_done ? "the request body was not received within the server's deadline"
                              : "the request head was not received within the server's deadline";
        }
        const auto silence = c->last_read + std::chrono::seconds(read_timeout_sec_);
        if (silence < deadline) {
          deadline = silence;
          what = "the client sent nothing for too long";
        }
      }
      if (now >= deadline) {
        if (what != nullptr) refuse(*c, 408, what);
        close_conn(c);
      }
    }
    conns.erase(std::remove(conns.begin(), conns.end(), nullptr), conns.end());
  }
  for (auto& c : conns) close_conn(c);
}

void HttpCore::worker_loop() {
  for (;;) {
    std::unique_ptr<Conn> c;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_cv_.wait(lock, [this] { return !ready_.empty() || stopping_.load(); });
      if (ready_.empty()) return;  // stopping, nothing left
      c = std::move(ready_.front());
      ready_.pop_front();
      waiting_.store(static_cast<int>(ready_.size()));
      ++busy_;
    }
    serve(std::move(c));
    {
      std::lock_guard<std::mutex> lock(mu_);
      --busy_;
    }
    idle_cv_.notify_all();
  }
}

void HttpCore::serve(std::unique_ptr<Conn> c) {
  tl_socket = c->fd;
  tl_request_start = c->first_byte;
  tl_close_after = false;
  FramedRequest& req = c->req;
  tl_target = req.target;
  const auto write_timeout = std::chrono::seconds(write_timeout_sec_);
  bool keep = false;
  const bool big = req.body.size() > kBigRequest || c->buf.capacity() > kBigRequest;
  int status = 0;
  std::string message;
  if (!decode_body(req.content_encoding, req.body, limits_.max_decompressed_bytes, status,
                   message)) {
    refuse(*c, status, message);
  } else {
    ++c->served;
    bool close = !req.keep_alive || closing_.load() || draining_.load() || stopping_.load() ||
                 c->served >= keep_alive_max_count_;
    MemoryStream strm(c->fd, canonical_request(req));
    req = FramedRequest{};  // the body now lives in the stream only
    bool connection_closed = false;
    const bool ok = process_request(strm, close, connection_closed, nullptr);
    if (!close && (closing_.load() || draining_.load() || stopping_.load())) {
      // The drain began while the handler ran: say so in this answer, rather than closing a
      // connection the client was told it may reuse (a proxy could send its next request on it).
      strm.mark_close();
      close = true;
    }
    const bool sent = strm.flush(write_timeout);
    keep = ok && sent && !close && !connection_closed && !tl_close_after;
  }
  req = FramedRequest{};
  tl_socket = -1;
  if (big) {
    if (c->buf.empty()) std::string().swap(c->buf);
    else c->buf.shrink_to_fit();
    malloc_trim(0);  // give the peak of this request back (each thread has its own arena)
  }
  if (!keep || draining_.load()) {
    ::close(c->fd);
    open_.fetch_sub(1);
    return;
  }
  c->started = c->head_done = c->continue_sent = false;
  c->idle_since = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    incoming_.push_back(std::move(c));
  }
  wake();
}

void HttpCore::shutdown_connections() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (joined_) return;
    // Requests already received are answered first.
    idle_cv_.wait(lock, [this] { return ready_.empty() && busy_ == 0; });
    joined_ = true;
  }
  stopping_.store(true);
  ready_cv_.notify_all();
  wake();
  for (auto& t : workers_) t.join();
  reception_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& c : ready_) {  // framed by the reception after the workers had left
    ::close(c->fd);
    open_.fetch_sub(1);
  }
  ready_.clear();
  for (auto& c : incoming_) {
    ::close(c->fd);
    open_.fetch_sub(1);
  }
  incoming_.clear();
}

}  // namespace lightbert::server
