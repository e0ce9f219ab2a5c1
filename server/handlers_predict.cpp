// server/handlers_predict.cpp: POST /predict, the model's sequence-classification head
// (SequenceClassifier; single texts or cross-encoder pairs).
// Contract: body as head_requests.h; answer per input [{"label","score"}, ...], highest score
// first, the top_k best (0 or absent: every label, as TEI); one such list for a single input,
// a list of lists for a list of inputs (TEI's /predict shape). Scores are softmax (or sigmoid
// for multi-label / one-label heads) probabilities; "raw_scores": true gives the logits instead
// (same order). 404 when the model has no such head; 413 for an input longer than the maximum
// unless "truncate": true. The inputs are tokenized here; their sequences join the batcher's
// shared batches and the head runs over their rows on the batcher thread (head_job.h).
#include <memory>

#include "server/head_job.h"
#include "server/head_json.h"
#include "server/head_requests.h"

namespace lightbert::server {

namespace {

// The labels of `c` in its order (best first) with their logits instead of their scores.
std::vector<LabelScore> raw(const Classification& c, const std::vector<std::string>& names) {
  std::vector<bool> used(names.size(), false);
  std::vector<LabelScore> out;
  for (const LabelScore& ls : c.labels) {
    for (size_t j = 0; j < names.size(); ++j) {
      if (!used[j] && names[j] == ls.label) {
        used[j] = true;
        out.push_back({ls.label, c.logits[j]});
        break;
      }
    }
  }
  return out;
}

}  // namespace

void handle_predict(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  SequenceClassifier* head = ctx.heads.classifier.get();
  if (head == nullptr) {
    throw_missing_head("/predict", "sequence-classification", ctx.heads.classifier_missing);
  }
  PredictRequest r;
  auto results = std::make_shared<std::vector<Classification>>();
  std::shared_ptr<HeadJob> job;
  {
    Batcher::Arrival arriving(ctx.batcher);  // more work is on its way to the batcher
    r = parse_predict(req.body, static_cast<size_t>(ctx.options.max_client_batch));
    const std::vector<Encoding> enc = encode_head_inputs(ctx, r.inputs, r.truncate, "inputs");
    results->resize(enc.size());
    job = std::make_shared<HeadJob>(
        head_sequences(enc), [head, results](const EncoderOutput& out, size_t out_first,
                                             size_t begin, size_t count) {
          head->classify_rows(out, out_first, count, results->data() + begin);
        });
    submit_job(ctx, job);
  }
  wait_job(ctx, job);

  std::string out;
  if (r.batched) out += '[';
  for (size_t i = 0; i < results->size(); ++i) {
    if (i) out += ',';
    const Classification& c = (*results)[i];
    std::vector<LabelScore> labels = r.raw_scores ? raw(c, head->labels()) : c.labels;
    if (r.top_k > 0 && labels.size() > static_cast<size_t>(r.top_k)) labels.resize(r.top_k);
    append_label_scores(out, labels);
  }
  if (r.batched) out += ']';
  send_json(res, 200, out);
}

}  // namespace lightbert::server
