// server/handlers_predict.cpp: POST /predict, served by the model's sequence-classification head.
// Contract: until the head API exists this answers 404 "not_found" naming the missing head;
// the head's engineer plugs in here: check the model for the head, parse the body, tokenize
// (tokenize_inputs), submit a BatchJob whose consume() runs the head on the encoder rows
// (run_job), and write the JSON answer.
#include "server/handlers.h"

namespace lightbert::server {

void handle_predict(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  throw_missing_head("/predict", "sequence-classification");
}

}  // namespace lightbert::server
