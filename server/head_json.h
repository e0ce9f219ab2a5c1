// server/head_json.h: the JSON the task-head endpoints answer with, field for field what Hugging
// Face's pipelines print (and the CLI's classify, ner, qa and fill-mask commands).
// Contract: appenders only (floats via append_float, strings via append_json_string, so the
// output is always valid JSON):
//  label scores  [{"label","score"}, ...]
//  entity        {"entity_group","score","word","start","end"} (grouped) or
//                {"entity","score","index","word","start","end"} (aggregation none)
//  answer        {"score","start","end","answer"}
//  predictions   [{"score","token","token_str","sequence"}, ...]
#pragma once

#include <string>
#include <vector>

#include "lightbert/tasks.h"

namespace lightbert::server {

void append_label_scores(std::string& out, const std::vector<LabelScore>& labels);
void append_entity(std::string& out, const Entity& e, bool grouped);
void append_answer(std::string& out, const Answer& a);
void append_mask_predictions(std::string& out, const std::vector<MaskPrediction>& preds);

}  // namespace lightbert::server
