// server/server_options.h: the settings of `lightbert serve` (one struct, filled by the CLI).
// Contract: plain data with the documented defaults; HttpServer validates the combination
// (e.g. max_batch_tokens must hold the longest input) and throws lightbert::Error otherwise.
#pragma once

#include <cstddef>
#include <string>

namespace lightbert::server {

struct ServerOptions {
  std::string model;      // --model as given (a folder or ORG/NAME); reported as "model"
  std::string model_dir;  // the resolved folder
  std::string host = "127.0.0.1";
  int port = 8080;                   // 0: an ephemeral port (see HttpServer::port())
  int max_batch_tokens = 16384;      // real tokens per encoder batch
  int max_queue = 512;               // requests waiting for the batcher; beyond: 429
  int max_input_length = 0;          // 0: the model's maximum; else min(this, model's)
  int max_client_batch = 1024;       // inputs in one request; beyond: 413
  int max_request_tokens = 1 << 18;  // tokens of one request's inputs, all together; beyond: 413
  int max_qa_context_chars = 100000;  // code points of a /qa context; beyond: 413
  int max_word_chars = 0;  // code points without whitespace in an input; beyond: 413 (0: no limit)
  int threads = 0;                   // compute threads (the encoder's pool); 0: all cores
  int http_threads = 16;             // connections served at once (cpp-httplib's pool)
  int max_batch_wait_ms = 2;         // how long the batcher may wait for more work
  size_t max_body_bytes = 2u << 20;  // request bodies beyond: 413
  size_t max_decompressed_bytes = 2u << 20;  // bodies after Content-Encoding is undone: 413
  size_t max_header_bytes = 16384;   // request line + header fields; beyond: 431
  int max_headers = 64;              // header fields; beyond: 431
  int max_connections = 1024;        // open connections; beyond: 503 and closed
  int header_timeout_s = 5;          // the request head must arrive within this of its first byte
  int body_timeout_s = 10;           // the body must arrive within this of the head
  int read_timeout_s = 10;           // a client that sends nothing for this long is dropped
  int request_deadline_s = 30;       // a request must be fully received within this
  int keep_alive_timeout_s = 5;      // idle keep-alive connections are closed after this
  int keep_alive_max = 1000;         // requests per connection
  int debug_batch_delay_ms = 0;      // sleep before each batch (tests of draining, 429)
  int debug_load_delay_ms = 0;       // sleep before loading the model (tests of readiness)
  // SIGTERM (cli/cmd_serve.cpp): not ready at once, everything still served (each answer closing
  // its connection) for drain_seconds, then no new connection, the requests received answered;
  // past drain_timeout_s after SIGTERM (or at a second signal) the process exits at once (1).
  int drain_seconds = 0;
  int drain_timeout_s = 30;
};

}  // namespace lightbert::server
