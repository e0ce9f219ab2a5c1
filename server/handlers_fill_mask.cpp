// server/handlers_fill_mask.cpp: POST /fill-mask, the model's masked-language-model head
// (MaskFiller; only the [MASK] rows go through the vocabulary projection).
// Contract: body as head_requests.h; answer per input Hugging Face's fill-mask pipeline shape:
// [{"score","token","token_str","sequence"}, ...] (top_k best, default 5) for one mask, a list
// of such lists (one per mask, in text order) for several; a list of inputs gives a list of
// those. 404 when the model has no such head; 400 for an input without the mask token; 413 for
// an input longer than the maximum unless "truncate": true. The texts' sequences join the
// batcher's shared batches; the head runs over their mask rows there.
#include <memory>

#include "lightbert/error.h"
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
  struct Work {  // what the job's rows read and write (the job may outlive this handler)
    std::vector<Encoding> encodings;
    std::vector<FillMaskResult> results;
  };
  auto work = std::make_shared<Work>();
  std::shared_ptr<HeadJob> job;
  {
    Batcher::Arrival arriving(ctx.batcher);  // more work is on its way to the batcher
    r = parse_fill_mask(req.body, static_cast<size_t>(ctx.options.max_client_batch));
    std::vector<TextInput> texts;
    for (const std::string& t : r.inputs) texts.push_back({t, std::nullopt});
    work->encodings = encode_head_inputs(ctx, texts, r.truncate, "inputs");
    for (size_t i = 0; i < work->encodings.size(); ++i) {
      try {
        head->mask_positions(work->encodings[i]);
      } catch (const Error& e) {
        throw_head_error(Error(e.code(), "input " + std::to_string(i) + ": " + e.what()),
                         "inputs");
      }
    }
    work->results.resize(texts.size());
    const int top_k = r.top_k;
    job = std::make_shared<HeadJob>(
        head_sequences(work->encodings),
        [head, work, top_k](const EncoderOutput& out, size_t out_first, size_t begin,
                            size_t count) {
          FillMaskResult* res = work->results.data() + begin;
          head->fill_rows(out, out_first, count, work->encodings.data() + begin, top_k, res);
          for (size_t k = 0; k < count; ++k) res[k].logits.clear();  // [vocab] per mask: unused
        });
    submit_job(ctx, job);
  }
  wait_job(ctx, job);
  const std::vector<FillMaskResult>& results = work->results;

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
