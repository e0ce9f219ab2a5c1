// server/handlers_qa.cpp: POST /qa, served by the model's question-answering head.
// Contract: until the head API exists this answers 404 "not_found" naming the missing head;
// the head's engineer plugs in here: check the model for the head, parse the body, tokenize
// (tokenize_inputs), submit a BatchJob whose consume() runs the head on the encoder rows
// (run_job), and write the JSON answer.
#include "server/handlers.h"

namespace lightbert::server {

void handle_qa(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  throw_missing_head("/qa", "question-answering");
}

}  // namespace lightbert::server
