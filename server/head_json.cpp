// server/head_json.cpp: see head_json.h.
#include "server/head_json.h"

#include "server/json_writer.h"

namespace lightbert::server {

void append_label_scores(std::string& out, const std::vector<LabelScore>& labels) {
  out += '[';
  for (size_t i = 0; i < labels.size(); ++i) {
    out += i ? ",{\"label\":" : "{\"label\":";
    append_json_string(out, labels[i].label);
    out += ",\"score\":";
    append_float(out, labels[i].score);
    out += '}';
  }
  out += ']';
}

void append_entity(std::string& out, const Entity& e, bool grouped) {
  out += grouped ? "{\"entity_group\":" : "{\"entity\":";
  append_json_string(out, e.entity);
  out += ",\"score\":";
  append_float(out, e.score);
  if (!grouped) out += ",\"index\":" + std::to_string(e.index);
  out += ",\"word\":";
  append_json_string(out, e.word);
  out += ",\"start\":" + std::to_string(e.start) + ",\"end\":" + std::to_string(e.end) + "}";
}

void append_answer(std::string& out, const Answer& a) {
  out += "{\"score\":";
  append_float(out, a.score);
  out += ",\"start\":" + std::to_string(a.start) + ",\"end\":" + std::to_string(a.end) +
         ",\"answer\":";
  append_json_string(out, a.answer);
  out += '}';
}

void append_mask_predictions(std::string& out, const std::vector<MaskPrediction>& preds) {
  out += '[';
  for (size_t i = 0; i < preds.size(); ++i) {
    if (i) out += ',';
    out += "{\"score\":";
    append_float(out, preds[i].score);
    out += ",\"token\":" + std::to_string(preds[i].token) + ",\"token_str\":";
    append_json_string(out, preds[i].token_str);
    out += ",\"sequence\":";
    append_json_string(out, preds[i].sequence);
    out += '}';
  }
  out += ']';
}

}  // namespace lightbert::server
