// server/head_requests.h: parsing and validating the JSON bodies of the task-head endpoints.
// Contract: each parse_* reads one body (field names as Hugging Face's pipelines and TEI's
// /predict); unknown fields are ignored. Every problem throws ApiError naming the field: 400
// "validation" for malformed JSON, wrong types or values out of range, 400 "empty" for an empty
// list, 413 for more than `max_inputs` inputs. `batched` says whether the inputs came as a list
// (the answer is then a list with one entry per input) or as a single value.
//  /predict   {"inputs": str | [str | [text, text_pair]], "top_k"?: int >= 0 (0 or absent:
//             every label), "raw_scores"?: bool, "truncate"?: bool}
//  /ner       {"inputs": str | [str], "aggregation_strategy"?: none|simple|first|max|average
//             (default simple), "truncate"?: bool}
//  /qa        {"question": str, "context": str} or {"inputs": [{"question", "context"}, ...]},
//             with "top_k"?, "max_answer_len"?, "doc_stride"?, "max_seq_len"? (ints)
//  /fill-mask {"inputs": str | [str], "top_k"?: int >= 1 (default 5), "truncate"?: bool}
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "lightbert/model.h"
#include "lightbert/tasks.h"

namespace lightbert::server {

struct PredictRequest {
  std::vector<TextInput> inputs;
  bool batched = false;
  int top_k = 0;  // 0: every label
  bool raw_scores = false;
  bool truncate = false;
};

struct NerRequest {
  std::vector<std::string> inputs;
  bool batched = false;
  Aggregation aggregation = Aggregation::kSimple;
  bool truncate = false;
};

struct QaRequest {
  std::vector<std::pair<std::string, std::string>> items;  // (question, context)
  bool batched = false;
  QaOptions options;
  bool top_k_given = false;  // the answer per item is then a list (as the CLI's --top-k)
};

struct FillMaskRequest {
  std::vector<std::string> inputs;
  bool batched = false;
  int top_k = 5;
  bool truncate = false;
};

PredictRequest parse_predict(const std::string& body, size_t max_inputs);
NerRequest parse_ner(const std::string& body, size_t max_inputs);
QaRequest parse_qa(const std::string& body, size_t max_inputs);
FillMaskRequest parse_fill_mask(const std::string& body, size_t max_inputs);

}  // namespace lightbert::server
