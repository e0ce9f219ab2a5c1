// cli/task_lines.cpp: see task_lines.h.
#include "task_lines.h"

#include <cctype>

#include "jsonl.h"

namespace lightbert::cli {

std::vector<std::string> TextBatch::texts() const {
  std::vector<std::string> t;
  for (const TextInput& i : inputs) t.push_back(i.text);
  return t;
}

bool read_text_batch(std::istream& in, size_t batch_size, bool allow_pair, size_t& line_no,
                     TextBatch& batch) {
  batch.inputs.clear();
  batch.line_nos.clear();
  std::string line;
  while (batch.inputs.size() < batch_size && next_line(in, line, line_no)) {
    InputLine parsed = parse_input(line, line_no, /*allow_ids=*/false);
    if (parsed.text->text_pair && !allow_pair) {
      throw Error(ErrorCode::kInvalidArgument,
                  "stdin line " + std::to_string(line_no) + ": this command takes no 'text_pair'");
    }
    batch.inputs.push_back(std::move(*parsed.text));
    batch.line_nos.push_back(line_no);
  }
  return !batch.inputs.empty();
}

Error with_line(const Error& e, const std::vector<size_t>& line_nos) {
  const std::string msg = e.what();
  if (msg.compare(0, 6, "input ") == 0) {
    size_t d = 6;
    while (d < msg.size() && std::isdigit(static_cast<unsigned char>(msg[d]))) ++d;
    if (d > 6 && d - 6 < 10) {
      const size_t i = std::stoul(msg.substr(6, d - 6));
      if (i < line_nos.size()) {
        std::string rest = msg.substr(d);
        if (rest.compare(0, 2, ": ") != 0) rest = ":" + rest;
        return Error(e.code(), "stdin line " + std::to_string(line_nos[i]) + rest);
      }
    }
  }
  return e;
}

void append_entity(std::string& out, const Entity& e, bool grouped) {
  out += grouped ? "{\"entity_group\":" : "{\"entity\":";
  append_string(out, e.entity);
  out += ",\"score\":";
  append_float(out, e.score);
  if (!grouped) out += ",\"index\":" + std::to_string(e.index);
  out += ",\"word\":";
  append_string(out, e.word);
  out += ",\"start\":" + std::to_string(e.start) + ",\"end\":" + std::to_string(e.end) + "}";
}

void append_answer(std::string& out, const Answer& a) {
  out += "{\"score\":";
  append_float(out, a.score);
  out += ",\"start\":" + std::to_string(a.start) + ",\"end\":" + std::to_string(a.end) +
         ",\"answer\":";
  append_string(out, a.answer);
  out += "}";
}

void append_predictions(std::string& out, const std::vector<MaskPrediction>& preds) {
  out += '[';
  for (size_t i = 0; i < preds.size(); ++i) {
    if (i) out += ',';
    out += "{\"score\":";
    append_float(out, preds[i].score);
    out += ",\"token\":" + std::to_string(preds[i].token) + ",\"token_str\":";
    append_string(out, preds[i].token_str);
    out += ",\"sequence\":";
    append_string(out, preds[i].sequence);
    out += '}';
  }
  out += ']';
}

}  // namespace lightbert::cli
