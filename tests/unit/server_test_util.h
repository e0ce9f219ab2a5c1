// tests/unit/server_test_util.h: helpers shared by the server tests (header only).
// Contract: InProcessServer runs lightbert::server::HttpServer on an ephemeral 127.0.0.1 port
// with tiny-bert (options adjustable before start) and shuts it down in its destructor;
// client() gives a cpp-httplib client with short timeouts; golden() reads the PyTorch float64
// embeddings of tiny-bert (cli_expected.jsonl) for the single-text inputs; raw_request() sends
// bytes over a plain socket and returns whatever comes back before the server closes or
// `timeout_ms` passes; metric() (support/server_process.h) reads one sample from a /metrics text.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/server_process.h"

#include "server/http_server.h"
#include "support/test_paths.h"

namespace lightbert::testing {

struct GoldenInput {
  std::string text;
  nlohmann::json expected;  // one line of cli_expected.jsonl
};

// The single-text inputs (pairs are not embedding requests) with their golden outputs.
inline std::vector<GoldenInput> golden() {
  std::istringstream in(read_file(test_data("tiny-bert/golden/cli_inputs.jsonl")));
  std::istringstream exp(read_file(test_data("tiny-bert/golden/cli_expected.jsonl")));
  std::vector<GoldenInput> out;
  for (std::string a, b; std::getline(in, a) && std::getline(exp, b);) {
    if (a.empty()) continue;
    auto j = nlohmann::json::parse(a);
    if (j.contains("text_pair")) continue;
    out.push_back({j["text"].get<std::string>(), nlohmann::json::parse(b)});
  }
  return out;
}

inline double max_abs_diff(const nlohmann::json& got, const nlohmann::json& want) {
  if (!got.is_array() || got.size() != want.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i].is_number()) return INFINITY;
    m = std::max(m, std::fabs(got[i].get<double>() - want[i].get<double>()));
  }
  return m;
}

class InProcessServer {
 public:
  InProcessServer() {
    options.model = "tiny-bert";
    options.model_dir = test_data("tiny-bert");
    options.port = 0;
    options.threads = 1;
    options.http_threads = 8;
  }
  ~InProcessServer() {
    if (server) server->shutdown();
  }
  int start() {
    server = std::make_unique<server::HttpServer>(options);
    port = server->start();
    return port;
  }
  std::unique_ptr<httplib::Client> client(int timeout_s = 30) const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_connection_timeout(timeout_s, 0);
    c->set_read_timeout(timeout_s, 0);
    c->set_write_timeout(timeout_s, 0);
    return c;
  }

  server::ServerOptions options;
  std::unique_ptr<server::HttpServer> server;
  int port = -1;
};

inline int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until the peer closes or `timeout_ms` passes; `closed` says which.
inline std::string read_until_close(int fd, int timeout_ms, bool* closed) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  *closed = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return out;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      *closed = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

inline std::string raw_request(int port, const std::string& bytes, int timeout_ms = 10000) {
  const int fd = connect_local(port);
  if (fd < 0) return "";
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  bool closed = false;
  std::string out = read_until_close(fd, timeout_ms, &closed);
  ::close(fd);
  return out;
}

inline std::string post_bytes(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " +
         "application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}


}  // namespace lightbert::testing
