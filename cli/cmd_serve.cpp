// cli/cmd_serve.cpp: `lightbert serve --model DIR`: the HTTP server (server/http_server.h).
// Contract: listens on --host:--port (default 127.0.0.1:8080; 0 picks a free port) at once and
// loads the model meanwhile (GET /live 200, /ready and /health 503 "loading", model endpoints
// 503 "unhealthy"); prints "lightbert serve: listening on http://HOST:PORT" on stderr once the
// model is loaded and the server ready, and serves until SIGTERM or SIGINT. Then it drains:
// /ready and /health turn 503 at once; for --drain-seconds (default 0) everything is still
// served, each answer with "Connection: close"; then it stops accepting, answers every request
// already received, and returns 0. A second SIGTERM/SIGINT, or --drain-timeout seconds (default
// 30) after the first, ends the process at once with status 1 (requests still in flight are
// lost: the "forced" line on stderr says how it ended). A signal while the model loads ends it
// at once with status 0 (no model request was accepted). Bad options, or a model that fails to
// load, are lightbert::Error (exit 1).
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

#include "args.h"
#include "commands.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "server/http_server.h"

namespace lightbert::cli {

namespace {

server::ServerOptions parse_options(const Args& args) {
  if (!args.positional().empty()) {
    throw Error(ErrorCode::kInvalidArgument, "unexpected argument '" + args.positional()[0] + "'");
  }
  server::ServerOptions o;
  o.model = args.require("model");
  o.model_dir = hub::resolve_model_path(o.model);
  o.host = args.get_or("host", o.host);
  o.port = args.get_int("port", o.port, 0, 65535);
  o.max_batch_tokens = args.get_int("max-batch-tokens", o.max_batch_tokens, 1, 1 << 24);
  o.max_queue = args.get_int("max-queue", o.max_queue, 1, 1 << 20);
  o.max_input_length = args.get_int("max-input-length", o.max_input_length, 0, 1 << 20);
  o.max_client_batch = args.get_int("max-client-batch", o.max_client_batch, 1, 1 << 20);
  o.threads = args.get_int("threads", o.threads, 0, 1024);
  o.http_threads = args.get_int("http-threads", o.http_threads, 1, 1024);
  o.max_batch_wait_ms = args.get_int("max-batch-wait-ms", o.max_batch_wait_ms, 0, 10000);
  o.max_body_bytes = static_cast<size_t>(
      args.get_int("max-body-bytes", static_cast<int>(o.max_body_bytes), 1, 1 << 30));
  o.max_decompressed_bytes = static_cast<size_t>(args.get_int(
      "max-decompressed-bytes", static_cast<int>(o.max_decompressed_bytes), 1, 1 << 30));
  o.max_header_bytes = static_cast<size_t>(
      args.get_int("max-header-bytes", static_cast<int>(o.max_header_bytes), 256, 1 << 20));
  o.max_headers = args.get_int("max-headers", o.max_headers, 1, 10000);
  o.max_request_tokens = args.get_int("max-request-tokens", o.max_request_tokens, 1, 1 << 30);
  o.max_qa_context_chars =
      args.get_int("max-qa-context-chars", o.max_qa_context_chars, 1, 1 << 30);
  o.max_word_chars = args.get_int("max-word-chars", o.max_word_chars, 0, 1 << 30);
  o.max_connections = args.get_int("max-connections", o.max_connections, 1, 1 << 20);
  o.header_timeout_s = args.get_int("header-timeout", o.header_timeout_s, 1, 3600);
  o.body_timeout_s = args.get_int("body-timeout", o.body_timeout_s, 1, 3600);
  o.read_timeout_s = args.get_int("read-timeout", o.read_timeout_s, 1, 3600);
  o.request_deadline_s = 3 * o.read_timeout_s;
  o.keep_alive_timeout_s = args.get_int("keep-alive-timeout", o.keep_alive_timeout_s, 1, 3600);
  o.debug_batch_delay_ms = args.get_int("debug-batch-delay-ms", 0, 0, 60000);
  o.debug_load_delay_ms = args.get_int("debug-load-delay-ms", 0, 0, 600000);
  o.drain_seconds = args.get_int("drain-seconds", o.drain_seconds, 0, 3600);
  o.drain_timeout_s = args.get_int("drain-timeout", o.drain_timeout_s, 1, 3600);
  if (o.drain_seconds >= o.drain_timeout_s) {
    throw Error(ErrorCode::kInvalidArgument,
                "--drain-seconds (" + std::to_string(o.drain_seconds) +
                    ") must be less than --drain-timeout (" + std::to_string(o.drain_timeout_s) +
                    ")");
  }
  return o;
}

// Waits for a stop signal up to `timeout` (negative: for ever); 0 when none came.
int wait_signal(const sigset_t& set, std::chrono::milliseconds timeout) {
  for (;;) {
    int sig = 0;
    if (timeout.count() < 0) {
      if (sigwait(&set, &sig) == 0) return sig;
      continue;
    }
    timespec ts{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>(timeout.count() % 1000) * 1000000L};
    sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EAGAIN) return 0;  // EINTR: wait again
  }
}

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

[[noreturn]] void force_exit(const char* why) {
  std::fprintf(stderr, "lightbert serve: forced exit (%s); requests still in flight are lost\n",
               why);
  std::fflush(stderr);
  std::_Exit(1);
}

}  // namespace

int run_serve(const std::vector<std::string>& argv) {
  Args args(argv,
            {"model", "host", "port", "max-batch-tokens", "max-queue", "max-input-length",
             "max-client-batch", "threads", "http-threads", "max-batch-wait-ms", "max-body-bytes",
             "read-timeout", "keep-alive-timeout", "debug-batch-delay-ms", "max-decompressed-bytes",
             "max-header-bytes", "max-headers", "max-connections", "header-timeout", "body-timeout",
             "max-request-tokens", "max-qa-context-chars", "max-word-chars", "debug-load-delay-ms",
             "drain-seconds", "drain-timeout"},
            {});
  const server::ServerOptions options = parse_options(args);

  // Block the stop signals before any thread exists, so that only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that leaves must not kill the server

  server::HttpServer server(options, server::HttpServer::DeferLoad{});
  const int port = server.start();
  // The model loads on a thread while the server answers the probes (503 "loading").
  std::atomic<int> load_state{0};  // 0 loading, 1 loaded, 2 failed
  std::exception_ptr load_error;
  std::thread loader([&] {
    try {
      server.load_model();
      load_state.store(1);
    } catch (...) {
      load_error = std::current_exception();
      load_state.store(2);
    }
  });
  int sig = 0;
  while (load_state.load() == 0) {
    sig = wait_signal(stop_signals, std::chrono::milliseconds(20));
    if (sig != 0 && load_state.load() == 0) {
      std::fprintf(stderr, "lightbert serve: %s while the model loads, exiting\n",
                   signal_name(sig));
      std::fflush(stderr);
      std::_Exit(0);  // the loader cannot be interrupted; no model request was accepted
    }
  }
  loader.join();
  if (load_state.load() == 2) {
    server.shutdown();
    std::rethrow_exception(load_error);
  }
  std::fprintf(stderr, "lightbert serve: listening on http://%s:%d (model %s)\n",
               options.host.c_str(), port, options.model_dir.c_str());
  std::fflush(stderr);

  if (sig == 0) sig = wait_signal(stop_signals, std::chrono::milliseconds(-1));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.drain_timeout_s);
  server.begin_drain();
  std::fprintf(stderr,
               "lightbert serve: %s, draining: not ready; serving %d s more, then finishing the "
               "requests in flight\n",
               signal_name(sig), options.drain_seconds);
  std::fflush(stderr);
  if (options.drain_seconds > 0 &&
      wait_signal(stop_signals, std::chrono::seconds(options.drain_seconds)) != 0) {
    force_exit("second signal");
  }
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server.shutdown();
    stopped.store(true);
  });
  while (!stopped.load()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) force_exit("--drain-timeout");
    if (wait_signal(stop_signals, std::min(left, std::chrono::milliseconds(20))) != 0) {
      force_exit("second signal");
    }
  }
  stopper.join();
  std::fprintf(stderr, "lightbert serve: stopped\n");
  return 0;
}

}  // namespace lightbert::cli
