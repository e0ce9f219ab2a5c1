// server/handlers_ner.cpp: POST /ner, the model's token-classification head (TokenClassifier,
// with its CRF when the checkpoint has one).
// Contract: body as head_requests.h; answer per input the entities of Hugging Face's
// token-classification pipeline: {"entity_group","score","word","start","end"} (aggregation
// other than none; default simple, as the CLI) or {"entity","score","index","word","start",
// "end"} per token (none); start/end are code points of the text, label "O" is left out. One
// list for a single input, a list of lists for a list. 404 when the model has no such head; 413
// for an input longer than the maximum unless "truncate": true; 400 for max/average with a CRF.
#include <memory>

#include "server/head_job.h"
#include "server/head_json.h"
#include "server/head_requests.h"

namespace lightbert::server {

void handle_ner(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  TokenClassifier* head = ctx.heads.token_classifier.get();
  if (head == nullptr) {
    throw_missing_head("/ner", "token-classification", ctx.heads.token_classifier_missing);
  }
  NerRequest r;
  std::shared_ptr<InputsJob<TokenClassification>> job;
  {
    Batcher::Arrival arriving(ctx.batcher);  // more work is on its way to the batcher
    r = parse_ner(req.body, static_cast<size_t>(ctx.options.max_client_batch));
    std::vector<TextInput> texts;
    for (const std::string& t : r.inputs) texts.push_back({t, std::nullopt});
    std::vector<size_t> counts = count_input_tokens(ctx, texts, r.truncate, "inputs");
    const Aggregation aggregation = r.aggregation;
    const bool truncate = r.truncate;
    job = std::make_shared<InputsJob<TokenClassification>>(
        std::string("ner aggregation=") + aggregation_name(aggregation) +
            " truncate=" + (truncate ? "1" : "0"),
        std::move(texts), std::move(counts), static_cast<size_t>(ctx.options.max_batch_tokens),
        [head, aggregation, truncate](const std::vector<TextInput>& in) {
          std::vector<std::string> part;
          for (const TextInput& t : in) part.push_back(t.text);
          return head->classify(part, aggregation, truncate);
        });
    submit_job(ctx, job);
  }
  wait_head_job(ctx, "inputs", job);
  const std::vector<TokenClassification>& results = job->results();

  const bool grouped = r.aggregation != Aggregation::kNone;
  std::string out;
  if (r.batched) out += '[';
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    out += '[';
    const std::vector<Entity>& entities = results[i].entities;
    for (size_t e = 0; e < entities.size(); ++e) {
      if (e) out += ',';
      append_entity(out, entities[e], grouped);
    }
    out += ']';
  }
  if (r.batched) out += ']';
  send_json(res, 200, out);
}

}  // namespace lightbert::server
