// server/handlers_fill_mask.cpp: POST /fill-mask, served by the model's masked-language-model head.
// Contract: until the head API exists this answers 404 "not_found" naming the missing head;
// the head's engineer plugs in here: check the model for the head, parse the body, tokenize
// (tokenize_inputs), submit a BatchJob whose consume() runs the head on the encoder rows
// (run_job), and write the JSON answer.
#include "server/handlers.h"

namespace lightbert::server {

void handle_fill_mask(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  throw_missing_head("/fill-mask", "masked-language-model");
}

}  // namespace lightbert::server
