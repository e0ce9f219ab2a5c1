// server/http_server.cpp: see http_server.h. Wires the routes to the handlers, turns ApiError
// into TEI's error body (and any other exception into 500), fills a JSON body into the errors
// cpp-httplib answers by itself (404 unknown path, 413 body too large, 400 bad request line),
// and records every answer in the metrics.
#include "server/http_server.h"

#include <malloc.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <new>
#include <thread>

#include "lightbert/error.h"
#include "lightbert/model.h"
#include "server/batcher.h"
#include "server/handlers.h"
#include "server/http_core.h"
#include "server/metrics.h"
#include "server/openapi.h"
#include "server/probes.h"
#include "server/task_heads.h"

namespace lightbert::server {

namespace {

Error bad_option(const std::string& msg) {
  return Error(ErrorCode::kInvalidArgument, msg);
}

void validate(const ServerOptions& o) {
  if (o.port < 0 || o.port > 65535) throw bad_option("--port must be in [0, 65535]");
  if (o.max_batch_tokens < 1) throw bad_option("--max-batch-tokens must be at least 1");
  if (o.max_queue < 1) throw bad_option("--max-queue must be at least 1");
  if (o.max_input_length < 0) throw bad_option("--max-input-length must be >= 0");
  if (o.max_client_batch < 1) throw bad_option("--max-client-batch must be at least 1");
  if (o.http_threads < 1) throw bad_option("--http-threads must be at least 1");
  if (o.max_batch_wait_ms < 0) throw bad_option("--max-batch-wait-ms must be >= 0");
  if (o.max_body_bytes < 1) throw bad_option("--max-body-bytes must be at least 1");
  if (o.read_timeout_s < 1) throw bad_option("--read-timeout must be at least 1 second");
  if (o.max_decompressed_bytes < 1) throw bad_option("--max-decompressed-bytes must be at least 1");
  if (o.max_header_bytes < 256) throw bad_option("--max-header-bytes must be at least 256");
  if (o.max_headers < 1) throw bad_option("--max-headers must be at least 1");
  if (o.max_request_tokens < 1) throw bad_option("--max-request-tokens must be at least 1");
  if (o.max_qa_context_chars < 1) throw bad_option("--max-qa-context-chars must be at least 1");
  if (o.max_word_chars < 0) throw bad_option("--max-word-chars must be 0 (no limit) or more");
  if (o.max_connections < 1) throw bad_option("--max-connections must be at least 1");
  if (o.header_timeout_s < 1) throw bad_option("--header-timeout must be at least 1 second");
  if (o.body_timeout_s < 1) throw bad_option("--body-timeout must be at least 1 second");
}

// Runs a handler: ApiError -> its status and TEI's body; anything else -> 500.
void run_handler(ServerContext& ctx, Handler h, const httplib::Request& req,
                 httplib::Response& res) {
  try {
    h(ctx, req, res);
  } catch (const ApiError& e) {
    send_json(res, e.status(), error_body(e.type(), e.what()));
    if (e.status() == 429) res.set_header("Retry-After", "1");
  } catch (const std::bad_alloc&) {
    send_json(res, 503, error_body("overloaded", "out of memory"));
  } catch (const std::exception& e) {
    send_json(res, 500, error_body("backend", e.what()));
  }
}

}  // namespace

HttpServer::HttpServer(const ServerOptions& options) : HttpServer(options, DeferLoad{}) {
  load_model();
}

HttpServer::HttpServer(const ServerOptions& options, DeferLoad) : options_(options) {
  validate(options_);
  // glibc raises its mmap threshold to the largest block freed so far (up to 32 MiB) and never
  // trims a thread arena's top below twice that: after one 2 MiB request every HTTP thread
  // would keep ~2 MiB for good. Fixed thresholds give blocks of 512 KiB and more back at free.
  mallopt(M_MMAP_THRESHOLD, 512 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
  metrics_ = std::make_unique<Metrics>();
  http_ = std::make_unique<HttpCore>(options_);
  register_routes();
}

void HttpServer::load_model() {
  if (load_started_) throw Error(ErrorCode::kInvalidArgument, "the model is already loaded");
  load_started_ = true;
  if (options_.debug_load_delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.debug_load_delay_ms));
  }
  ModelOptions mo;
  mo.threads = options_.threads;
  mo.max_length = options_.max_input_length;  // the heads truncate there too
  model_ = Model::load(options_.model_dir, mo);
  int max_len = model_->max_length();
  if (options_.max_input_length > 0 && options_.max_input_length < max_len) {
    max_len = options_.max_input_length;
  }
  if (options_.max_batch_tokens < max_len) {
    throw bad_option("--max-batch-tokens (" + std::to_string(options_.max_batch_tokens) +
                     ") must hold the longest input (" + std::to_string(max_len) + " tokens)");
  }
  heads_ = std::make_unique<TaskHeads>(load_task_heads(*model_));
  Batcher::Options bo;
  bo.max_batch_tokens = static_cast<size_t>(options_.max_batch_tokens);
  bo.max_queue = static_cast<size_t>(options_.max_queue);
  bo.max_wait_ms = options_.max_batch_wait_ms;
  bo.debug_delay_ms = options_.debug_batch_delay_ms;
  batcher_ = std::make_unique<Batcher>(model_->encoder(), bo, metrics_.get());
  ctx_.reset(new ServerContext{options_, *model_, *batcher_, *metrics_, max_len,
                               model_->default_embedding().pooling, *heads_});
  ready_ctx_.store(ctx_.get());
  int loading = static_cast<int>(Phase::kLoading);  // a drain begun meanwhile stays
  phase_.compare_exchange_strong(loading, static_cast<int>(Phase::kReady));
}

void HttpServer::begin_drain() {
  phase_.store(static_cast<int>(Phase::kDraining));
  http_->begin_closing();
}

HttpServer::~HttpServer() {
  shutdown();
}

void HttpServer::register_routes() {
  // Model routes answer 503 "unhealthy" until the model is loaded.
  const auto model_route = [this](Handler h) {
    return [this, h](const httplib::Request& req, httplib::Response& res) {
      ServerContext* c = ready_ctx_.load();
      if (c == nullptr) {
        send_json(res, 503, error_body("unhealthy", "the model is still loading; retry shortly"));
        res.set_header("Retry-After", "1");
        return;
      }
      run_handler(*c, h, req, res);
    };
  };
  http_->Post("/embed", model_route(handle_embed));
  http_->Post("/v1/embeddings", model_route(handle_openai_embeddings));
  http_->Post("/predict", model_route(handle_predict));
  http_->Post("/ner", model_route(handle_ner));
  http_->Post("/qa", model_route(handle_qa));
  http_->Post("/fill-mask", model_route(handle_fill_mask));
  http_->Get("/info", model_route(handle_info));
  // The probes and the documents need no model (answered by HttpCore's reception: probes.h).
  http_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    answer_probe(Probe::kHealth, phase(), res);
  });
  http_->Get("/ready", [this](const httplib::Request&, httplib::Response& res) {
    answer_probe(Probe::kReady, phase(), res);
  });
  http_->Get("/live", [this](const httplib::Request&, httplib::Response& res) {
    answer_probe(Probe::kLive, phase(), res);
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(metrics_->render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http_->Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, openapi_json());
  });
  for (const char* p : {"/embed", "/v1/embeddings", "/predict", "/ner", "/qa", "/fill-mask"}) {
    allowed_methods_[p] = "POST";
  }
  for (const char* p : {"/health", "/ready", "/live", "/info", "/metrics", "/openapi.json"}) {
    allowed_methods_[p] = "GET";
  }
  // Any other method on a known path (PUT, DELETE, PATCH, OPTIONS, TRACE, a GET of a POST
  // route...) is 405 with Allow, before cpp-httplib routes it (it would answer 404 or 400).
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const auto it = allowed_methods_.find(req.path);
    if (it == allowed_methods_.end() || req.method == it->second ||
        (req.method == "HEAD" && it->second == "GET")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.set_header("Allow", it->second);
    send_json(res, 405, error_body("validation", "method " + req.method + " is not allowed on " +
                                                     req.path + "; it answers " + it->second));
    return httplib::Server::HandlerResponse::Handled;
  });

  const httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req,
                                                               httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
    HttpCore::close_after_response();  // cpp-httplib's own error: the stream may be mid-request
    std::string msg;
    std::string type = "validation";
    // cpp-httplib leaves the path empty for a method it does not know: take the framed target.
    const std::string& target = req.path.empty() ? HttpCore::request_target() : req.path;
    const std::string path = target.substr(0, target.find('?'));
    const auto known = allowed_methods_.find(path);
    if (res.status == 400 && known != allowed_methods_.end() && req.method != known->second) {
      // A method cpp-httplib does not know (QUERY, ...) on a known path: 405 as for the others.
      res.status = 405;
      res.set_header("Allow", known->second);
      msg = "method " + req.method + " is not allowed on " + path + "; it answers " +
            known->second;
    } else if (res.status == 404) {
      type = "not_found";
      msg = "no endpoint " + req.method + " " + req.path;
    } else if (res.status == 413) {
      msg = "the request body is larger than the server's limit";
    } else if (res.status == 400) {
      msg = "malformed HTTP request: unknown method " + req.method + " or malformed target";
    } else {
      msg = "the HTTP request was refused (HTTP " + std::to_string(res.status) + ")";
    }
    send_json(res, res.status, error_body(type, msg));
    return httplib::Server::HandlerResponse::Handled;
  };
  http_->set_error_handler(on_error);
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_json(res, 500, error_body("backend", "internal error"));
      });
  Metrics& m = *metrics_;
  http_->on_rejected = [&m](int status, double seconds) { m.record_request("", status, seconds); };
  http_->set_logger([&m](const httplib::Request& req, const httplib::Response& res) {
    const auto elapsed = std::chrono::steady_clock::now() - HttpCore::request_start();
    m.record_request(req.path, res.status, std::chrono::duration<double>(elapsed).count());
  });
}

int HttpServer::start() {
  if (started_) throw Error(ErrorCode::kInvalidArgument, "the server is already started");
  int port = options_.port;
  errno = 0;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.host);
    if (port < 0) port = 0;
  } else if (!http_->bind_to_port(options_.host, port)) {
    port = 0;
  }
  if (port <= 0) {
    const int err = errno;
    std::string why = err == EADDRINUSE ? "address already in use"
                      : err != 0        ? std::strerror(err)
                                        : "not a local address?";
    throw Error(ErrorCode::kIo, "cannot listen on " + options_.host + ":" +
                                    std::to_string(options_.port) + ": " + why);
  }
  http_->raise_backlog(1024);
  started_ = true;
  listen_thread_ = std::thread([this] { http_->listen_after_bind(); });
  return port;
}

void HttpServer::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  phase_.store(static_cast<int>(Phase::kDraining));
  http_->begin_drain();
  if (started_) {
    // stop() only acts once the accept loop runs; wait for it (it starts at once).
    for (int i = 0; i < 5000 && !http_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    http_->stop();
    listen_thread_.join();  // returns once every connection's thread has finished
  }
  if (batcher_) batcher_->stop();
}

}  // namespace lightbert::server
