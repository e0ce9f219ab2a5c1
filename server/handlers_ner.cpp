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
  auto r = std::make_shared<NerRequest>(
      parse_ner(req.body, static_cast<size_t>(ctx.options.max_client_batch)));
  std::vector<TextInput> texts;
  for (const std::string& t : r->inputs) texts.push_back({t, std::nullopt});
  const std::vector<Chunk> chunks =
      chunk_inputs(count_input_tokens(ctx, texts, r->truncate, "inputs"),
                   static_cast<size_t>(ctx.options.max_batch_tokens));
  auto results = std::make_shared<std::vector<TokenClassification>>();
  run_head(ctx, "inputs", [head, r, results, chunks] {
    for_each_chunk(chunks, [&](const Chunk& c) {
      const std::vector<std::string> part(r->inputs.begin() + c.begin, r->inputs.begin() + c.end);
      for (TokenClassification& x : head->classify(part, r->aggregation, r->truncate)) {
        results->push_back(std::move(x));
      }
    });
  });

  const bool grouped = r->aggregation != Aggregation::kNone;
  std::string out;
  if (r->batched) out += '[';
  for (size_t i = 0; i < results->size(); ++i) {
    if (i) out += ',';
    out += '[';
    const std::vector<Entity>& entities = (*results)[i].entities;
    for (size_t e = 0; e < entities.size(); ++e) {
      if (e) out += ',';
      append_entity(out, entities[e], grouped);
    }
    out += ']';
  }
  if (r->batched) out += ']';
  send_json(res, 200, out);
}

}  // namespace lightbert::server
