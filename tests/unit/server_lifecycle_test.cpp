// tests/unit/server_lifecycle_test.cpp: the phases of HttpServer (probes.h) in process.
// While the model loads (DeferLoad, then load_model()): /live 200 "loading", /ready and /health
// 503 "loading", model endpoints and /info 503 "unhealthy" with Retry-After, /metrics and
// /openapi.json 200; once loaded, /ready 200 and /embed matches tiny-bert's golden vectors; a load
// that fails leaves the server "loading". After begin_drain(): /ready 503 "stopping", /live 200,
// model requests still answered 200 but with "Connection: close" (and the connection closed),
// an idle keep-alive connection kept open until its next request, new connections accepted; the
// probes are answered at once while every HTTP worker is busy; an answer being computed when the
// drain begins carries "Connection: close"; a request already sent when shutdown() begins is
// answered.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "lightbert/error.h"
#include "server_test_util.h"

namespace lightbert::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string get_bytes(const std::string& path, bool keep_alive) {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" +
         (keep_alive ? std::string() : std::string("Connection: close\r\n")) + "\r\n";
}

// Reads one whole response (head + Content-Length body) from fd; "" on timeout or close.
std::string read_response(int fd, int timeout_ms) {
  std::string out;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    const size_t head_end = out.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const size_t at = out.find("Content-Length: ");
      if (at != std::string::npos && at < head_end) {
        const size_t len = std::stoul(out.substr(at + 16));
        if (out.size() >= head_end + 4 + len) return out;
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return "";
    out.append(buf, static_cast<size_t>(n));
  }
  return "";
}

struct Deferred {
  Deferred() {
    options.model = "tiny-bert";
    options.model_dir = test_data("tiny-bert");
    options.port = 0;
    options.threads = 1;
    options.http_threads = 4;
  }
  void start() {
    server = std::make_unique<server::HttpServer>(options, server::HttpServer::DeferLoad{});
    port = server->start();
  }
  ~Deferred() {
    if (server) server->shutdown();
  }
  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_read_timeout(30, 0);
    return c;
  }
  server::ServerOptions options;
  std::unique_ptr<server::HttpServer> server;
  int port = -1;
};

void expect_status(httplib::Client& c, const std::string& path, int status,
                   const std::string& phase) {
  auto r = c.Get(path);
  ASSERT_TRUE(r) << path;
  EXPECT_EQ(r->status, status) << path << ": " << r->body;
  EXPECT_EQ(json::parse(r->body).value("status", ""), phase) << path;
}

TEST(ServerLifecycle, WhileLoadingProbesAnswerAndModelRequestsAre503) {
  Deferred s;
  s.start();
  ASSERT_GT(s.port, 0);
  auto c = s.client();
  EXPECT_EQ(s.server->phase(), server::Phase::kLoading);
  expect_status(*c, "/live", 200, "loading");
  expect_status(*c, "/ready", 503, "loading");
  expect_status(*c, "/health", 503, "loading");
  for (const char* path : {"/embed", "/v1/embeddings", "/predict"}) {
    auto r = c->Post(path, "{\"inputs\": \"a\", \"input\": \"a\"}", "application/json");
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 503) << path;
    EXPECT_EQ(json::parse(r->body).value("error_type", ""), "unhealthy") << r->body;
    EXPECT_EQ(r->get_header_value("Retry-After"), "1") << path;
  }
  auto info = c->Get("/info");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status, 503);
  for (const char* path : {"/metrics", "/openapi.json"}) {
    auto r = c->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
  }

  s.server->load_model();
  EXPECT_EQ(s.server->phase(), server::Phase::kReady);
  expect_status(*c, "/ready", 200, "ok");
  expect_status(*c, "/health", 200, "ok");
  expect_status(*c, "/live", 200, "ok");
  const auto gold = golden();
  ASSERT_FALSE(gold.empty());
  auto r = c->Post("/embed", json({{"inputs", gold[0].text}, {"truncate", true}}).dump(),
                   "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_LT(max_abs_diff(json::parse(r->body)[0], gold[0].expected["embed_mean_normalized"]),
            1e-4);
  EXPECT_THROW(s.server->load_model(), Error);  // once only
}

TEST(ServerLifecycle, ALoadThatFailsThrowsAndTheServerStaysNotReady) {
  Deferred s;
  s.options.max_batch_tokens = 64;  // below tiny-bert's 128 tokens: known only once loaded
  s.start();
  EXPECT_THROW(s.server->load_model(), Error);
  auto c = s.client();
  expect_status(*c, "/ready", 503, "loading");
  auto r = c->Post("/embed", "{\"inputs\": \"a\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
}

TEST(ServerLifecycle, DrainTurnsNotReadyAndStillServesWithConnectionClose) {
  InProcessServer s;
  ASSERT_GT(s.start(), 0);
  // An idle keep-alive connection from before the drain.
  const int idle = connect_local(s.port);
  ASSERT_GE(idle, 0);
  const std::string probe = get_bytes("/ready", true);
  ::send(idle, probe.data(), probe.size(), MSG_NOSIGNAL);
  const std::string first = read_response(idle, 5000);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  EXPECT_EQ(first.find("Connection: close"), std::string::npos) << first;

  s.server->begin_drain();
  EXPECT_EQ(s.server->phase(), server::Phase::kDraining);
  auto c = s.client();
  expect_status(*c, "/ready", 503, "stopping");
  expect_status(*c, "/health", 503, "stopping");
  expect_status(*c, "/live", 200, "stopping");

  // A new connection is accepted and a model request answered, closing its connection.
  const int fresh = connect_local(s.port);
  ASSERT_GE(fresh, 0);
  const std::string body = "{\"inputs\": \"the house\"}";
  const std::string post = "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(fresh, post.data(), post.size(), MSG_NOSIGNAL);
  bool closed = false;
  const std::string answer = read_until_close(fresh, 5000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  ::close(fresh);

  // The idle connection was not closed under its client: its next request is answered, then
  // the server closes it.
  pollfd p{idle, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 300), 0) << "the idle keep-alive connection was closed";
  ::send(idle, post.data(), post.size(), MSG_NOSIGNAL);
  const std::string second = read_until_close(idle, 5000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0u) << second;
  EXPECT_NE(second.find("Connection: close"), std::string::npos) << second;
  ::close(idle);
}

TEST(ServerLifecycle, ProbesAnswerAtOnceWhileEveryWorkerIsBusy) {
  InProcessServer s;
  s.options.http_threads = 2;
  s.options.debug_batch_delay_ms = 1500;
  ASSERT_GT(s.start(), 0);
  std::vector<std::thread> busy;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    busy.emplace_back([&, i] {
      auto c = s.client();
      auto r = c->Post("/embed", "{\"inputs\": \"busy " + std::to_string(i) + "\"}",
                       "application/json");
      if (r && r->status == 200) ++ok;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // both workers are taken
  auto c = s.client();
  for (const char* path : {"/ready", "/live", "/health"}) {
    const auto t0 = Clock::now();
    auto r = c->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_LT(ms_since(t0), 500) << path;  // a worker would take >= 1.5 s
  }
  for (auto& t : busy) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST(ServerLifecycle, AnAnswerInFlightWhenTheDrainBeginsSaysConnectionClose) {
  InProcessServer s;
  s.options.debug_batch_delay_ms = 800;
  ASSERT_GT(s.start(), 0);
  const int fd = connect_local(s.port);
  ASSERT_GE(fd, 0);
  const std::string body = "{\"inputs\": \"in flight\"}";
  const std::string post = "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(fd, post.data(), post.size(), MSG_NOSIGNAL);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the handler waits for its batch
  s.server->begin_drain();
  bool closed = false;
  const std::string answer = read_until_close(fd, 10000, &closed);
  ::close(fd);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("Keep-Alive:"), std::string::npos) << answer;
}

TEST(ServerLifecycle, ARequestAlreadySentWhenShutdownBeginsIsAnswered) {
  // The request is in the socket's buffer (loopback delivers at send()), maybe not yet read by
  // the reception, when shutdown() starts: it counts as received and gets its 200.
  const std::string body = "{\"inputs\": \"sent just before the drain\"}";
  const std::string post = "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  int answered = 0;
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    InProcessServer s;
    ASSERT_GT(s.start(), 0);
    const int fd = connect_local(s.port);
    ASSERT_GE(fd, 0);
    const std::string live = get_bytes("/live", true);  // the connection is now the reception's
    ::send(fd, live.data(), live.size(), MSG_NOSIGNAL);
    ASSERT_EQ(read_response(fd, 5000).rfind("HTTP/1.1 200", 0), 0u);
    ::send(fd, post.data(), post.size(), MSG_NOSIGNAL);
    std::thread stopper([&] { s.server->shutdown(); });
    bool closed = false;
    const std::string answer = read_until_close(fd, 10000, &closed);
    stopper.join();
    ::close(fd);
    // (Connection: close only when the drain began before the answer was written; otherwise the
    // server closes the connection after a keep-alive answer, as at an idle timeout.)
    if (answer.rfind("HTTP/1.1 200", 0) == 0) {
      ++answered;
    } else {
      ADD_FAILURE() << "round " << round << ": " << (closed ? "closed" : "open") << ", got: "
                    << answer;
    }
  }
  EXPECT_EQ(answered, kRounds);
}

}  // namespace
}  // namespace lightbert::testing
