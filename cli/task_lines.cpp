// cli/task_lines.cpp: see task_lines.h.
#include "task_lines.h"

#include <cctype>

#include "jsonl.h"
#include "lightbert/hub.h"

namespace lightbert::cli {

std::unique_ptr<Model> load_task_model(const Args& args) {
  const std::string dir = hub::resolve_model_path(args.require("model"));
  ModelOptions mo;
  mo.threads = args.get_int("threads", 0, 0, 1024);
  return Model::load(dir, mo);
}

size_t batch_size_arg(const Args& args) {
  return static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096));
}

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

size_t count_tokens(const Model& model, const TextBatch& batch) {
  EncodeOptions opts;
  opts.max_length = model.max_length();
  size_t n = 0;
  for (const TextInput& t : batch.inputs) {
    const Tokenizer& tok = model.tokenizer();
    n += (t.text_pair ? tok.encode_pair(t.text, *t.text_pair, opts) : tok.encode(t.text, opts)).size();
  }
  return n;
}

}  // namespace lightbert::cli
