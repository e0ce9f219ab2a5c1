// server/handlers_qa.cpp: POST /qa, the model's extractive question-answering head
// (QuestionAnswerer: long contexts are read in overlapping windows).
// Contract: body as head_requests.h; answer per (question, context) Hugging Face's
// question-answering pipeline's {"score","start","end","answer"} (start/end: code points of the
// context), or, when "top_k" is given, a list of up to top_k of them, best first (as the CLI's
// --top-k); {"score":0,"start":0,"end":0,"answer":""} when no span qualifies. A list under
// "inputs" gives a list of those. 404 when the model has no such head; 413 for a question too
// long to leave room for the context; 400 for an empty question or context.
#include <memory>

#include "lightbert/error.h"
#include "server/head_job.h"
#include "server/head_json.h"
#include "server/head_requests.h"

namespace lightbert::server {

void handle_qa(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  QuestionAnswerer* head = ctx.heads.question_answerer.get();
  if (head == nullptr) {
    throw_missing_head("/qa", "question-answering", ctx.heads.question_answerer_missing);
  }
  auto r = std::make_shared<QaRequest>(
      parse_qa(req.body, static_cast<size_t>(ctx.options.max_client_batch)));
  auto results = std::make_shared<std::vector<QaResult>>();
  run_head(ctx, "inputs", [head, r, results] {
    for (size_t i = 0; i < r->items.size(); ++i) {
      try {
        results->push_back(head->answer(r->items[i].first, r->items[i].second, r->options));
      } catch (const Error& e) {
        if (!r->batched) throw;
        throw Error(e.code(), "input " + std::to_string(i) + ": " + e.what());
      }
    }
  });

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
