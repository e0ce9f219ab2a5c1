// server/handlers_common.cpp: what the handlers share (handlers.h): JSON answers,
// tokenization with TEI's length rules, and running a job on the batcher.
#include <chrono>

#include "lightbert/error.h"
#include "server/handlers.h"
#include "server/http_core.h"

namespace lightbert::server {

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void check_input_text(const ServerContext& ctx, const std::string& text, const std::string& where) {
  // An operator's bound on whitespace-free runs (off by default: the tokenizers are linear in
  // them, SentencePiece's unknown runs included since the model shortens those).
  const size_t limit = static_cast<size_t>(ctx.options.max_word_chars);
  if (limit == 0) return;
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      run = 0;
    } else if ((c & 0xC0) != 0x80 && ++run > limit) {
      throw too_large(where + " has more than " + std::to_string(limit) +
                      " characters without whitespace (the server's --max-word-chars)");
    }
  }
}

void check_request_tokens(const ServerContext& ctx, size_t tokens) {
  if (tokens > static_cast<size_t>(ctx.options.max_request_tokens)) {
    throw too_large("the request has " + std::to_string(tokens) +
                    " tokens, more than the server's limit of " +
                    std::to_string(ctx.options.max_request_tokens) +
                    " (--max-request-tokens; split it)");
  }
}

std::vector<Sequence> tokenize_inputs(const ServerContext& ctx,
                                      const std::vector<std::string>& texts, bool truncate,
                                      const char* field) {
  EncodeOptions eo;
  eo.max_length = ctx.max_input_length;
  eo.truncation = truncate;
  std::vector<Sequence> out;
  out.reserve(texts.size());
  size_t total = 0;
  const Tokenizer& tok = ctx.model.tokenizer();
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    check_input_text(ctx, texts[i], where);
    Encoding e;
    try {
      e = tok.encode(texts[i], eo);
    } catch (const Error& err) {
      throw bad_request(where + ": " + err.what());
    }
    if (static_cast<int>(e.size()) > ctx.max_input_length) {
      throw too_large(where + " has " + std::to_string(e.size()) +
                      " tokens, more than the maximum of " + std::to_string(ctx.max_input_length) +
                      " (send \"truncate\": true to cut it)");
    }
    total += e.size();
    check_request_tokens(ctx, total);
    out.push_back({std::move(e.input_ids), std::move(e.token_type_ids)});
  }
  return out;
}

void run_job(ServerContext& ctx, const std::shared_ptr<BatchJob>& job) {
  submit_job(ctx, job);
  wait_job(ctx, job);
}

void submit_job(ServerContext& ctx, const std::shared_ptr<BatchJob>& job) {
  switch (ctx.batcher.submit(job)) {
    case Batcher::Submit::kQueued:
      break;
    case Batcher::Submit::kFull:
      ctx.metrics.add_rejected();
      throw ApiError(429, "overloaded",
                     "the server is busy: " + std::to_string(ctx.options.max_queue) +
                         " requests are queued; retry later");
    case Batcher::Submit::kStopping:
      throw ApiError(503, "unhealthy", "the server is shutting down");
  }
}

void wait_job(ServerContext& ctx, const std::shared_ptr<BatchJob>& job) {
  while (!job->wait_for(std::chrono::milliseconds(20))) {
    if (HttpCore::peer_closed()) {
      job->cancel();
      ctx.metrics.add_cancelled();
      throw ApiError(499, "cancelled", "the client closed the connection");
    }
  }
  switch (job->state()) {
    case BatchJob::State::kDone:
      return;
    case BatchJob::State::kFailed:
      throw ApiError(500, "backend", job->error());
    default:
      throw ApiError(499, "cancelled", "the request was cancelled");
  }
}

void throw_missing_head(const std::string& endpoint, const std::string& head,
                        const std::string& why) {
  throw ApiError(404, "not_found",
                 endpoint + " needs a " + head + " head, and this model has none" +
                     (why.empty() ? std::string() : " (" + why + ")"));
}

}  // namespace lightbert::server
