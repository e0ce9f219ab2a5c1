// server/handlers_info.cpp: GET /info (the probes: probes.h; /metrics and /openapi.json are
// answered in http_server.cpp, without the model).
// /info: the model and server settings as JSON (model id and path, architecture, sizes (with
// "embedding_size": the /embed vector width after sentence-transformers Dense modules), dtype,
// max input length, pooling, normalize default, the task heads ("heads": names, "head_labels":
// the classification heads' labels in id order; "classification_scores": sigmoid|softmax and
// "crf": bool when those heads exist),
// limits, version string with the kernel ISA).
#include <nlohmann/json.hpp>

#include "lightbert/version.h"
#include "server/handlers.h"

namespace lightbert::server {

void handle_info(ServerContext& ctx, const httplib::Request&, httplib::Response& res) {
  const ModelConfig& c = ctx.model.config();
  const ServerOptions& o = ctx.options;
  nlohmann::json j;
  j["model_id"] = o.model;
  j["model_path"] = o.model_dir;
  j["model_type"] = c.model_type;
  j["architecture"] = c.architectures.empty() ? c.model_type : c.architectures.front();
  j["hidden_size"] = c.hidden_size;
  j["embedding_size"] = ctx.model.embedding_size();
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["vocab_size"] = c.vocab_size;
  j["dtype"] = "fp32";
  j["max_input_length"] = ctx.max_input_length;
  j["pooling"] = pooling_name(ctx.pooling);
  j["normalize"] = true;  // the default of /embed's "normalize" (as TEI)
  j["sentence_transformers"] = ctx.model.is_sentence_transformer();
  j["heads"] = ctx.heads.names();  // task heads the model has (task_heads.h)
  nlohmann::json labels = nlohmann::json::object();
  if (ctx.heads.classifier) {
    labels["sequence-classification"] = ctx.heads.classifier->labels();
    j["classification_scores"] = ctx.heads.classifier->multi_label() ? "sigmoid" : "softmax";
  }
  if (ctx.heads.token_classifier) {
    labels["token-classification"] = ctx.heads.token_classifier->labels();
    j["crf"] = ctx.heads.token_classifier->has_crf();
  }
  j["head_labels"] = labels;
  j["max_batch_tokens"] = o.max_batch_tokens;
  j["max_queue"] = o.max_queue;
  j["max_client_batch"] = o.max_client_batch;
  j["max_batch_wait_ms"] = o.max_batch_wait_ms;
  j["max_body_bytes"] = o.max_body_bytes;
  j["http_threads"] = o.http_threads;
  j["threads"] = o.threads;
  j["version"] = version_string();
  send_json(res, 200, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace lightbert::server
