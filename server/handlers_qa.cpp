// server/handlers_qa.cpp: POST /qa, the model's extractive question-answering head
// (QuestionAnswerer: long contexts are read in overlapping windows).
// Contract: body as head_requests.h; answer per (question, context) Hugging Face's
// question-answering pipeline's {"score","start","end","answer"} (start/end: code points of the
// context), or, when "top_k" is given, a list of up to top_k of them, best first (as the CLI's
// --top-k); {"score":0,"start":0,"end":0,"answer":""} when no span qualifies. A list under
// "inputs" gives a list of those. 404 when the model has no such head; 413 for a question too
// long to leave room for the context, or a context over --max-qa-context-chars code points;
// 400 for an empty question or context. Tokenizing and span selection run on the HTTP thread
// (QuestionAnswerer::prepare / select); every item's windows are sequences of one job, which join
// the batcher's shared batches, and the head runs over their rows there (forward_rows).
#include <memory>

#include "lightbert/error.h"
#include "server/head_job.h"
#include "server/head_json.h"
#include "server/head_requests.h"

namespace lightbert::server {

namespace {

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

void handle_qa(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  QuestionAnswerer* head = ctx.heads.question_answerer.get();
  if (head == nullptr) {
    throw_missing_head("/qa", "question-answering", ctx.heads.question_answerer_missing);
  }
  auto r = std::make_shared<QaRequest>(
      parse_qa(req.body, static_cast<size_t>(ctx.options.max_client_batch)));
  const size_t max_context = static_cast<size_t>(ctx.options.max_qa_context_chars);
  for (size_t i = 0; i < r->items.size(); ++i) {
    const std::string where = r->batched ? "inputs[" + std::to_string(i) + "]" : "the input";
    check_input_text(ctx, r->items[i].first, where);
    check_input_text(ctx, r->items[i].second, where);
    const size_t n = code_points(r->items[i].second);
    if (n > max_context) {
      throw too_large((r->batched ? "inputs[" + std::to_string(i) + "]: " : std::string()) +
                      "the context has " + std::to_string(n) + " characters, more than the " +
                      "server's limit of " + std::to_string(max_context) +
                      " (--max-qa-context-chars)");
    }
  }
  // Tokenizing and span selection run here; the windows' forward pass on the batch thread.
  auto results = std::make_shared<std::vector<QaResult>>();
  try {
    for (size_t i = 0; i < r->items.size(); ++i) {
      try {
        results->push_back(head->prepare(r->items[i].first, r->items[i].second, r->options));
      } catch (const Error& e) {
        if (!r->batched) throw;
        throw Error(e.code(), "input " + std::to_string(i) + ": " + e.what());
      }
    }
  } catch (const Error& e) {
    throw_head_error(e, "inputs");
  }
  // Every window of every item is a sequence of one job: seq_item / seq_window say whose.
  std::vector<Sequence> sequences;
  auto seq_item = std::make_shared<std::vector<size_t>>();
  auto seq_window = std::make_shared<std::vector<size_t>>();
  for (size_t i = 0; i < results->size(); ++i) {
    const std::vector<Encoding>& windows = (*results)[i].windows;
    for (size_t w = 0; w < windows.size(); ++w) {
      sequences.push_back({windows[w].input_ids, windows[w].token_type_ids});
      seq_item->push_back(i);
      seq_window->push_back(w);
    }
  }
  std::shared_ptr<HeadJob> job = std::make_shared<HeadJob>(
      std::move(sequences), [head, results, seq_item, seq_window](
                                const EncoderOutput& out, size_t out_first, size_t begin,
                                size_t count) {
        // Consecutive windows of one item in one call.
        for (size_t k = 0; k < count;) {
          const size_t item = (*seq_item)[begin + k];
          size_t run = 1;
          while (k + run < count && (*seq_item)[begin + k + run] == item) ++run;
          head->forward_rows(out, out_first + k, run, (*results)[item], (*seq_window)[begin + k]);
          k += run;
        }
      });
  run_job(ctx, job);
  for (size_t i = 0; i < results->size(); ++i) {
    head->select((*results)[i], r->items[i].second, r->options);
  }

  std::string out;
  if (r->batched) out += '[';
  for (size_t i = 0; i < results->size(); ++i) {
    if (i) out += ',';
    const std::vector<Answer>& answers = (*results)[i].answers;
    if (r->top_k_given) {
      out += '[';
      for (size_t a = 0; a < answers.size(); ++a) {
        if (a) out += ',';
        append_answer(out, answers[a]);
      }
      out += ']';
    } else if (answers.empty()) {
      out += "{\"score\":0,\"start\":0,\"end\":0,\"answer\":\"\"}";
    } else {
      append_answer(out, answers[0]);
    }
  }
  if (r->batched) out += ']';
  send_json(res, 200, out);
}

}  // namespace lightbert::server
