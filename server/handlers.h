// server/handlers.h: the HTTP endpoints of `lightbert serve` and what they share.
// Contract: every handler reads one request and fills the response; it throws ApiError for
// anything the client got wrong (the server turns it into TEI's error body), and lets nothing
// else escape except bugs (answered 500). Encoder work goes through the batcher (run_job).
// Task heads plug in through one file each (handlers_{predict,ner,qa,fill_mask}.cpp): each
// checks for its head and answers 404 "not_found" while the model has none.
#pragma once

#include <memory>
#include <string>

#include <httplib.h>

#include "lightbert/model.h"
#include "server/api_error.h"
#include "server/batcher.h"
#include "server/metrics.h"
#include "server/server_options.h"
#include "server/task_heads.h"

namespace lightbert::server {

struct ServerContext {
  const ServerOptions& options;
  Model& model;
  Batcher& batcher;
  Metrics& metrics;
  int max_input_length;               // min(--max-input-length, the model's maximum)
  Pooling pooling;                    // the folder's default (sentence-transformers' or mean)
  const TaskHeads& heads;             // the task heads the model has (built at start)
};

using Handler = void (*)(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);

void handle_embed(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void handle_openai_embeddings(ServerContext& ctx, const httplib::Request& req,
                              httplib::Response& res);
void handle_info(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void handle_predict(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void handle_ner(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void handle_qa(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);
void handle_fill_mask(ServerContext& ctx, const httplib::Request& req, httplib::Response& res);

// Shared by the handlers ----------------------------------------------------------------------

void send_json(httplib::Response& res, int status, const std::string& body);

// Before tokenizing: 413 naming `where` when `text` has a whitespace-free run longer than
// --max-word-chars code points (when that is set; 0, the default, is no limit).
void check_input_text(const ServerContext& ctx, const std::string& text, const std::string& where);
// 413 when a request's inputs have more than --max-request-tokens tokens together.
void check_request_tokens(const ServerContext& ctx, size_t tokens);

// Tokenizes `texts` for the encoder: an input longer than ctx.max_input_length is 413 naming
// its index unless `truncate`; invalid UTF-8 is 400 naming it. `field` names the JSON field.
std::vector<Sequence> tokenize_inputs(const ServerContext& ctx,
                                      const std::vector<std::string>& texts, bool truncate,
                                      const char* field);

// Queues `job` (429 "overloaded" when the queue is full, 503 while stopping) and waits for it,
// dropping it (answer 499) when the client disconnects; 500 "backend" when the encoder fails.
void run_job(ServerContext& ctx, const std::shared_ptr<BatchJob>& job);
// The two halves of run_job (submit inside a Batcher::Arrival scope, then wait outside it).
void submit_job(ServerContext& ctx, const std::shared_ptr<BatchJob>& job);
void wait_job(ServerContext& ctx, const std::shared_ptr<BatchJob>& job);

// 404 "not_found": the model has no `head` head, needed by `endpoint`; `why` is the head
// constructor's message (empty: none).
[[noreturn]] void throw_missing_head(const std::string& endpoint, const std::string& head,
                                     const std::string& why = {});

}  // namespace lightbert::server
