// tests/unit/server_cli_test.cpp: `lightbert serve` as a process: usage errors exit 1 with one
// line on stderr naming the option; SIGTERM while requests are in flight lets all of them
// complete (200, right shape) before the process exits 0; SIGINT on an idle server exits 0.
// Lifecycle: the port answers while the model loads (/live 200, /ready 503, /embed 503) and
// /ready turns 200 with the "listening on" line; a signal while loading exits 0 at once;
// --drain-seconds keeps serving (Connection: close) with /ready 503 for that long, then exits 0;
// a second signal, or --drain-timeout, ends a drain stuck on a request at once with status 1.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/run_cli.h"
#include "support/server_process.h"
#include "support/test_paths.h"
#include "server_test_util.h"

namespace lightbert::testing {
namespace {

const std::string kModel = test_data("tiny-bert");

void expect_usage_error(const std::string& args, const std::string& needle) {
  CliResult r = run_cli("serve " + args, "", 60);
  EXPECT_EQ(r.exit_code, 1) << args << ": " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << args << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(ServerCli, UsageErrors) {
  expect_usage_error("", "missing required option --model");
  expect_usage_error("--model " + kModel + " --port 70000", "--port");
  expect_usage_error("--model " + kModel + " --bogus 1", "unknown option --bogus");
  expect_usage_error("--model " + kModel + " --max-queue 0", "--max-queue");
  expect_usage_error("--model " + kModel + " --max-batch-tokens 64 --port 0",
                     "--max-batch-tokens (64) must hold the longest input (128 tokens)");
  expect_usage_error("--model /nonexistent/model --port 0", "/nonexistent/model");
  expect_usage_error("--model " + kModel + " --host 203.0.113.7 --port 0", "cannot listen");
  expect_usage_error("--model " + kModel + " --drain-seconds 5 --drain-timeout 5",
                     "--drain-seconds (5) must be less than --drain-timeout (5)");
}

TEST(ServerCli, SecondServeOnAPortInUseExitsOne) {
  ServerProcess first;
  const int port = first.start({"--model", kModel, "--threads", "1"});
  ASSERT_GT(port, 0) << first.stderr_text();
  expect_usage_error("--model " + kModel + " --port " + std::to_string(port),
                     "address already in use");
}

TEST(ServerCli, SigtermFinishesRequestsInFlightThenExitsZero) {
  ServerProcess server;
  const int port =
      server.start({"--model", kModel, "--debug-batch-delay-ms", "1500", "--threads", "1"});
  ASSERT_GT(port, 0) << server.stderr_text();
  constexpr int kClients = 6;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(30, 0);
      const std::string body = "{\"inputs\": [\"the house " + std::to_string(c) + "\"]}";
      auto r = cli.Post("/embed", body, "application/json");
      if (r && r->status == 200) {
        auto j = nlohmann::json::parse(r->body);
        if (j.size() == 1 && j[0].size() == 32) ++ok;
      }
    });
  }
  // Once all requests are in (one runs, sleeping 1.5 s; the others wait in the queue), stop.
  httplib::Client probe("127.0.0.1", port);
  for (int i = 0; i < 500; ++i) {
    auto m = probe.Get("/metrics");
    if (m && m->body.find("\nlightbert_queue_depth " + std::to_string(kClients - 1)) !=
                 std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.signal(SIGTERM);
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients) << server.stderr_text();
  EXPECT_EQ(server.wait_exit(30), 0) << server.stderr_text();
  EXPECT_NE(server.stderr_text().find("SIGTERM"), std::string::npos);
  // It no longer accepts connections.
  httplib::Client after("127.0.0.1", port);
  after.set_connection_timeout(2, 0);
  EXPECT_FALSE(after.Get("/health"));
}

TEST(ServerCli, SigintOnAnIdleServerExitsZero) {
  ServerProcess server;
  const int port = server.start({"--model", kModel});
  ASSERT_GT(port, 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", port);
  auto r = cli.Get("/health");  // leaves an idle keep-alive connection open
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  server.signal(SIGINT);
  EXPECT_EQ(server.wait_exit(30), 0) << server.stderr_text();
}

using Clock = std::chrono::steady_clock;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// GET `path` until it answers (the server may not listen yet); nullptr after `timeout_s`.
httplib::Result get_when_up(int port, const std::string& path, int timeout_s) {
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(1, 0);
    auto r = c.Get(path);
    if (r || Clock::now() > deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string phase_of(const httplib::Result& r) {
  return r ? nlohmann::json::parse(r->body).value("status", "") : "";
}

TEST(ServerCli, ThePortAnswersWhileTheModelLoadsAndReadyFollowsTheListeningLine) {
  const int port = free_port();
  ServerProcess server;
  ASSERT_TRUE(server.launch({"--model", kModel, "--port", std::to_string(port), "--threads", "1",
                             "--debug-load-delay-ms", "3000"}));
  auto live = get_when_up(port, "/live", 30);
  ASSERT_TRUE(live) << server.stderr_text();
  EXPECT_EQ(live->status, 200);
  EXPECT_EQ(phase_of(live), "loading");
  httplib::Client c("127.0.0.1", port);
  auto ready = c.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(phase_of(ready), "loading");
  auto embed = c.Post("/embed", "{\"inputs\": \"a\"}", "application/json");
  ASSERT_TRUE(embed);
  EXPECT_EQ(embed->status, 503);
  EXPECT_EQ(nlohmann::json::parse(embed->body).value("error_type", ""), "unhealthy");
  EXPECT_EQ(server.stderr_text().find("listening on"), std::string::npos);
  ASSERT_EQ(server.wait_listening(60), port) << server.stderr_text();
  ready = c.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  embed = c.Post("/embed", "{\"inputs\": \"a\"}", "application/json");
  ASSERT_TRUE(embed);
  EXPECT_EQ(embed->status, 200);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(30), 0) << server.stderr_text();
}

TEST(ServerCli, ASignalWhileTheModelLoadsExitsZeroAtOnce) {
  const int port = free_port();
  ServerProcess server;
  ASSERT_TRUE(server.launch({"--model", kModel, "--port", std::to_string(port),
                             "--debug-load-delay-ms", "60000"}));
  ASSERT_TRUE(get_when_up(port, "/live", 30)) << server.stderr_text();
  const auto t0 = Clock::now();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(10), 0) << server.stderr_text();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));  // not after the 60 s load
  EXPECT_NE(server.stderr_text().find("while the model loads"), std::string::npos);
}

TEST(ServerCli, DrainSecondsKeepServingWithConnectionCloseThenExitZero) {
  ServerProcess server;
  const int port = server.start({"--model", kModel, "--threads", "1", "--drain-seconds", "3"});
  ASSERT_GT(port, 0) << server.stderr_text();
  const auto t0 = Clock::now();
  server.signal(SIGTERM);
  // Not ready at once (the signal is handled within ~20 ms), but still serving.
  int status = 0;
  std::string phase;
  for (int i = 0; i < 100 && status != 503; ++i) {
    httplib::Client c("127.0.0.1", port);
    auto ready = c.Get("/ready");
    if (ready) {
      status = ready->status;
      phase = phase_of(ready);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 503);
  EXPECT_EQ(phase, "stopping");
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  const std::string body = "{\"inputs\": \"ab\"}";
  const std::string keep_alive_post =  // no "Connection: close" from the client
      "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int i = 0; i < 3; ++i) {  // new connections, each answered and closed
    const std::string answer = raw_request(port, keep_alive_post, 5000);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  }
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(2500));  // still inside the 3 s
  EXPECT_EQ(server.wait_exit(30), 0) << server.stderr_text();
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(2900));  // it served the 3 s out
  httplib::Client after("127.0.0.1", port);
  after.set_connection_timeout(2, 0);
  EXPECT_FALSE(after.Get("/live"));
}

// A request held 20 s by the batcher; the drain then waits for it.
struct StuckDrain {
  explicit StuckDrain(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--model", kModel, "--threads", "1",
                                     "--debug-batch-delay-ms", "20000"};
    args.insert(args.end(), extra.begin(), extra.end());
    port = server.start(args);
    if (port <= 0) return;
    client = std::thread([this] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(60, 0);
      auto r = c.Post("/embed", "{\"inputs\": \"stuck\"}", "application/json");
      answered = r && r->status == 200;
    });
    // The request reaches the batcher within milliseconds; it then sleeps 20 s before the batch.
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  }
  ~StuckDrain() {
    if (client.joinable()) client.join();
  }
  ServerProcess server;
  int port = -1;
  std::thread client;
  std::atomic<bool> answered{false};
};

TEST(ServerCli, ASecondSignalForcesExitOne) {
  StuckDrain s({});
  ASSERT_GT(s.port, 0) << s.server.stderr_text();
  s.server.signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = Clock::now();
  s.server.signal(SIGTERM);
  EXPECT_EQ(s.server.wait_exit(10), 1) << s.server.stderr_text();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));  // not after the 20 s batch
  EXPECT_NE(s.server.stderr_text().find("forced exit (second signal)"), std::string::npos);
  s.client.join();
  EXPECT_FALSE(s.answered.load());
}

TEST(ServerCli, DrainTimeoutForcesExitOne) {
  StuckDrain s({"--drain-timeout", "2"});
  ASSERT_GT(s.port, 0) << s.server.stderr_text();
  const auto t0 = Clock::now();
  s.server.signal(SIGTERM);
  EXPECT_EQ(s.server.wait_exit(15), 1) << s.server.stderr_text();
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, std::chrono::seconds(6));
  EXPECT_NE(s.server.stderr_text().find("forced exit (--drain-timeout)"), std::string::npos);
}

}  // namespace
}  // namespace lightbert::testing
