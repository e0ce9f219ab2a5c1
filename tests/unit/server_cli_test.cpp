// tests/unit/server_cli_test.cpp: `lightbert serve` as a process: usage errors exit 1 with one
// line on stderr naming the option; SIGTERM while requests are in flight lets all of them
// complete (200, right shape) before the process exits 0; SIGINT on an idle server exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/run_cli.h"
#include "support/server_process.h"
#include "support/test_paths.h"

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

}  // namespace
}  // namespace lightbert::testing
