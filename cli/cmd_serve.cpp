// cli/cmd_serve.cpp: `lightbert serve --model DIR`: the HTTP server (server/http_server.h).
// Contract: loads the model, listens on --host:--port (default 127.0.0.1:8080; 0 picks a free
// port), prints "lightbert serve: listening on http://HOST:PORT" on stderr once it accepts
// connections, and serves until SIGTERM or SIGINT; then it stops accepting, answers every
// request already received, and returns 0. Bad options are lightbert::Error (exit 1).
#include <pthread.h>
#include <signal.h>

#include <cstdio>

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
  return o;
}

}  // namespace

int run_serve(const std::vector<std::string>& argv) {
  Args args(argv,
            {"model", "host", "port", "max-batch-tokens", "max-queue", "max-input-length",
             "max-client-batch", "threads", "http-threads", "max-batch-wait-ms", "max-body-bytes",
             "read-timeout", "keep-alive-timeout", "debug-batch-delay-ms", "max-decompressed-bytes",
             "max-header-bytes", "max-headers", "max-connections", "header-timeout", "body-timeout",
             "max-request-tokens", "max-qa-context-chars", "max-word-chars"},
            {});
  const server::ServerOptions options = parse_options(args);

  // Block the stop signals before any thread exists, so that only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that leaves must not kill the server

  server::HttpServer server(options);
  const int port = server.start();
  std::fprintf(stderr, "lightbert serve: listening on http://%s:%d (model %s)\n",
               options.host.c_str(), port, options.model_dir.c_str());
  std::fflush(stderr);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  std::fprintf(stderr, "lightbert serve: %s, finishing the requests in flight\n",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stderr);
  server.shutdown();
  std::fprintf(stderr, "lightbert serve: stopped\n");
  return 0;
}

}  // namespace lightbert::cli
