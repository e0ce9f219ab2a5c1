// server/handlers_embed.cpp: POST /embed (TEI) and POST /v1/embeddings (OpenAI).
// /embed: {"inputs": str | [str], "normalize"?: bool = true, "truncate"?: bool = false}
//   -> [[float, ...], ...] (one row per input, also for a single string, as TEI).
// /v1/embeddings: {"input": str | [str], "model"?: str} -> {"object": "list", "data":
//   [{"object": "embedding", "index": i, "embedding": [...]}], "model", "usage":
//   {"prompt_tokens", "total_tokens"}} with L2-normalised vectors (as OpenAI's are).
// Pooling is the model folder's (sentence-transformers' setting, else mean).
#include <memory>

#include "server/embed_job.h"
#include "server/handlers.h"
#include "server/json_requests.h"
#include "server/json_writer.h"

namespace lightbert::server {

namespace {

std::shared_ptr<EmbedJob> embed(ServerContext& ctx, const EmbedRequest& r, const char* field) {
  std::shared_ptr<EmbedJob> job;
  {
    Batcher::Arrival arriving(ctx.batcher);  // more work is on its way to the batcher
    auto sequences = tokenize_inputs(ctx, r.inputs, r.truncate.value_or(false), field);
    job = std::make_shared<EmbedJob>(std::move(sequences), ctx.model, ctx.pooling, r.normalize);
    submit_job(ctx, job);
  }
  wait_job(ctx, job);
  return job;
}

}  // namespace

void handle_embed(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const EmbedRequest r = parse_tei_embed(req.body, ctx.options.max_client_batch);
  auto job = embed(ctx, r, "inputs");
  std::string out;
  out.reserve(r.inputs.size() * job->size() * 12 + 16);
  out += '[';
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    if (i) out += ',';
    append_floats(out, job->embedding(i), job->size());
  }
  out += ']';
  send_json(res, 200, out);
}

void handle_openai_embeddings(ServerContext& ctx, const httplib::Request& req,
                              httplib::Response& res) {
  EmbedRequest r = parse_openai_embeddings(req.body, ctx.options.max_client_batch);
  r.normalize = true;
  auto job = embed(ctx, r, "input");
  std::string out;
  out.reserve(r.inputs.size() * (job->size() * 12 + 48) + 128);
  out += "{\"object\":\"list\",\"data\":[";
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    if (i) out += ',';
    out += "{\"object\":\"embedding\",\"index\":" + std::to_string(i) + ",\"embedding\":";
    append_floats(out, job->embedding(i), job->size());
    out += '}';
  }
  out += "],\"model\":";
  append_json_string(out, r.model.empty() ? ctx.options.model : r.model);
  const std::string tokens = std::to_string(job->num_tokens());
  out += ",\"usage\":{\"prompt_tokens\":" + tokens + ",\"total_tokens\":" + tokens + "}}";
  send_json(res, 200, out);
}

}  // namespace lightbert::server
