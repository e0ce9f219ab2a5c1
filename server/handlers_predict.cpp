// server/handlers_predict.cpp: POST /predict, the model's sequence-classification head
// (SequenceClassifier; single texts or cross-encoder pairs).
// Contract: body as head_requests.h; answer per input [{"label","score"}, ...], highest score
// first, the top_k best (0 or absent: every label, as TEI); one such list for a single input,
// a list of lists for a list of inputs (TEI's /predict shape). Scores are softmax (or sigmoid
// for multi-label / one-label heads) probabilities; "raw_scores": true gives the logits instead
// (same order). 404 when the model has no such head; 413 for an input longer than the maximum
// unless "truncate": true. The head runs as a job on the batcher thread (head_job.h).
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
  std::shared_ptr<InputsJob<Classification>> job;
  {
    Batcher::Arrival arriving(ctx.batcher);  // more work is on its way to the batcher
    r = parse_predict(req.body, static_cast<size_t>(ctx.options.max_client_batch));
    std::vector<size_t> counts = count_input_tokens(ctx, r.inputs, r.truncate, "inputs");
    const bool truncate = r.truncate;
    job = std::make_shared<InputsJob<Classification>>(
        std::string("predict truncate=") + (truncate ? "1" : "0"), r.inputs, std::move(counts),
        static_cast<size_t>(ctx.options.max_batch_tokens),
        [head, truncate](const std::vector<TextInput>& in) {
          return head->classify(in, truncate);
        });
    submit_job(ctx, job);
  }
  wait_head_job(ctx, "inputs", job);
  const std::vector<Classification>& results = job->results();

  std::string out;
  if (r.batched) out += '[';
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    const Classification& c = results[i];
    std::vector<LabelScore> labels = r.raw_scores ? raw(c, head->labels()) : c.labels;
    if (r.top_k > 0 && labels.size() > static_cast<size_t>(r.top_k)) labels.resize(r.top_k);
    append_label_scores(out, labels);
  }
  if (r.batched) out += ']';
  send_json(res, 200, out);
}

}  // namespace lightbert::server
