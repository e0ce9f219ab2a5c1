// server/handlers_fill_mask.cpp: POST /fill-mask, the model's masked-language-model head
// (MaskFiller; only the [MASK] rows go through the vocabulary projection).
// Contract: body as head_requests.h; answer per input Hugging Face's fill-mask pipeline shape:
// [{"score","token","token_str","sequence"}, ...] (top_k best, default 5) for one mask, a list
// of such lists (one per mask, in text order) for several; a list of inputs gives a list of
// those. 404 when the model has no such head; 400 for an input without the mask token; 413 for
// an input longer than the maximum unless "truncate": true.
#include <memory>

#include "server/head_job.h"
#include "server/head_json.h"
#include "server/head_requests.h"

namespace lightbert::server {

void handle_fill_mask(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  MaskFiller* head = ctx.heads.mask_filler.get();
  if (head == nullptr) {
    throw_missing_head("/fill-mask", "masked-language-model", ctx.heads.mask_filler_missing);
  }
  FillMaskRequest r;
  std::shared_ptr<InputsJob<FillMaskResult>> job;
  {
    Batcher::Arrival arriving(ctx.batcher);  // more work is on its way to the batcher
    r = parse_fill_mask(req.body, static_cast<size_t>(ctx.options.max_client_batch));
    std::vector<TextInput> texts;
    for (const std::string& t : r.inputs) texts.push_back({t, std::nullopt});
    std::vector<size_t> counts = count_input_tokens(ctx, texts, r.truncate, "inputs");
    const int top_k = r.top_k;
    const bool truncate = r.truncate;
    job = std::make_shared<InputsJob<FillMaskResult>>(
        "fill-mask top_k=" + std::to_string(top_k) + " truncate=" + (truncate ? "1" : "0"),
        std::move(texts), std::move(counts), static_cast<size_t>(ctx.options.max_batch_tokens),
        [head, top_k, truncate](const std::vector<TextInput>& in) {
          std::vector<std::string> part;
          for (const TextInput& t : in) part.push_back(t.text);
          std::vector<FillMaskResult> out = head->fill(part, top_k, truncate);
          for (FillMaskResult& x : out) x.logits.clear();  // [vocab] per mask, not answered
          return out;
        });
    submit_job(ctx, job);
  }
  wait_head_job(ctx, "inputs", job);
  const std::vector<FillMaskResult>& results = job->results();

  std::string out;
  if (r.batched) out += '[';
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    const auto& preds = results[i].predictions;
    if (preds.size() == 1) {
      append_mask_predictions(out, preds[0]);
    } else {
      out += '[';
      for (size_t m = 0; m < preds.size(); ++m) {
        if (m) out += ',';
        append_mask_predictions(out, preds[m]);
      }
      out += ']';
    }
  }
  if (r.batched) out += ']';
  send_json(res, 200, out);
}

}  // namespace lightbert::server
