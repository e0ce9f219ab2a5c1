// server/handlers_ner.cpp: POST /ner, the model's token-classification head (TokenClassifier,
// with its CRF when the checkpoint has one).
// Contract: body as head_requests.h; answer per input the entities of Hugging Face's
// token-classification pipeline: {"entity_group","score","word","start","end"} (aggregation
// other than none; default simple, as the CLI) or {"entity","score","index","word","start",
// "end"} per token (none); start/end are code points of the text, label "O" is left out. One
// list for a single input, a list of lists for a list. 404 when the model has no such head; 413
// for an input longer than the maximum unless "truncate": true; 400 for max/average with a CRF.
// The texts' sequences join the batcher's shared batches; the head runs over their rows there.
#include <memory>

#include "lightbert/error.h"
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
  // What the job's rows read and write; shared, as the job may outlive this handler.
  struct Work {
    std::vector<std::string> texts;
    std::vector<Encoding> encodings;
    std::vector<TokenClassification> results;
  };
  auto work = std::make_shared<Work>();
  std::shared_ptr<HeadJob> job;
  {
    Batcher::Arrival arriving(ctx.batcher);  // more work is on its way to the batcher
    r = parse_ner(req.body, static_cast<size_t>(ctx.options.max_client_batch));
    try {
      head->check_aggregation(r.aggregation);
    } catch (const Error& e) {
      throw_head_error(e, "inputs");
    }
    std::vector<TextInput> texts;
    for (const std::string& t : r.inputs) texts.push_back({t, std::nullopt});
    work->encodings = encode_head_inputs(ctx, texts, r.truncate, "inputs");
    work->texts = r.inputs;
    work->results.resize(texts.size());
    const Aggregation aggregation = r.aggregation;
    job = std::make_shared<HeadJob>(
        head_sequences(work->encodings),
        [head, work, aggregation](const EncoderOutput& out, size_t out_first, size_t begin,
                                  size_t count) {
          head->classify_rows(out, out_first, count, work->texts.data() + begin,
                              work->encodings.data() + begin, aggregation,
                              work->results.data() + begin);
        });
    submit_job(ctx, job);
  }
  wait_job(ctx, job);
  const std::vector<TokenClassification>& results = work->results;

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
