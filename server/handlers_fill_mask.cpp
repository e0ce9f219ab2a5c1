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
  auto r = std::make_shared<FillMaskRequest>(
      parse_fill_mask(req.body, static_cast<size_t>(ctx.options.max_client_batch)));
  std::vector<TextInput> texts;
  for (const std::string& t : r->inputs) texts.push_back({t, std::nullopt});
  const std::vector<Chunk> chunks =
      chunk_inputs(count_input_tokens(ctx, texts, r->truncate, "inputs"),
                   static_cast<size_t>(ctx.options.max_batch_tokens));
  auto results = std::make_shared<std::vector<FillMaskResult>>();
  run_head(ctx, "inputs", [head, r, results, chunks] {
    for_each_chunk(chunks, [&](const Chunk& c) {
      const std::vector<std::string> part(r->inputs.begin() + c.begin, r->inputs.begin() + c.end);
      for (FillMaskResult& x : head->fill(part, r->top_k, r->truncate)) {
        x.logits.clear();  // [vocab] per mask, not part of the answer
        results->push_back(std::move(x));
      }
    });
  });

  std::string out;
  if (r->batched) out += '[';
  for (size_t i = 0; i < results->size(); ++i) {
    if (i) out += ',';
    const auto& preds = (*results)[i].predictions;
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
  if (r->batched) out += ']';
  send_json(res, 200, out);
}

}  // namespace lightbert::server
