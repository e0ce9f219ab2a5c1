// cli/cmd_qa.cpp: `lightbert qa --model DIR [--top-k K] [--max-answer-len N] [--doc-stride N]
// [--max-seq-len N]`: extractive question answering (BertForQuestionAnswering).
// stdin {"question","context"} -> stdout {"score","start","end","answer"} as Hugging Face's
// question-answering pipeline (start/end: code points of the context); with --top-k, a list of
// up to K such objects, best first. Contexts longer than max_seq_len (default min(model
// maximum, 384)) are read in windows overlapping by doc_stride tokens (default
// min(max_seq_len / 2, 128)).
#include <iostream>

#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "lightbert/limits.h"
#include "jsonl.h"
#include "lightbert/tasks.h"
#include "task_lines.h"

namespace lightbert::cli {

namespace {

std::string field(const nlohmann::json& j, const char* name, size_t line_no) {
  auto it = j.find(name);
  if (it == j.end()) {
    throw Error(ErrorCode::kInvalidArgument,
                "stdin line " + std::to_string(line_no) + ": missing field '" + name + "'");
  }
  if (!it->is_string()) {
    throw Error(ErrorCode::kInvalidArgument, "stdin line " + std::to_string(line_no) + ": field '" +
                                                 name + "' must be a string");
  }
  return it->get<std::string>();
}

}  // namespace

int run_qa(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "top-k", "max-answer-len", "doc-stride", "max-seq-len", "threads"}, {});
  QaOptions qo;
  const bool list = args.get("top-k").has_value();
  qo.top_k = args.get_int("top-k", 1, 1, 1 << 20);
  qo.max_answer_len = args.get_int("max-answer-len", 15, 1, 1 << 20);
  qo.doc_stride = args.get_int("doc-stride", -1, 0, 1 << 20);
  qo.max_seq_len = args.get_int("max-seq-len", -1, 4, 1 << 20);
  std::unique_ptr<Model> model = load_task_model(args);
  QuestionAnswerer qa(*model);
  std::ios::sync_with_stdio(false);
  Progress progress("qa");  // tokens: question + context, untruncated
  std::string line, text;
  size_t line_no = 0;
  while (next_line(std::cin, line, line_no)) {
    nlohmann::json j;
    try {
      check_json_depth(line, "stdin line " + std::to_string(line_no));
    } catch (const Error& e) {
      throw Error(ErrorCode::kInvalidArgument, e.what());
    }
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorCode::kInvalidArgument,
                  "stdin line " + std::to_string(line_no) + ": invalid JSON: " + e.what());
    }
    if (!j.is_object()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "stdin line " + std::to_string(line_no) + ": expected a JSON object");
    }
    const std::string question = field(j, "question", line_no);
    const std::string context = field(j, "context", line_no);
    QaResult r;
    try {
      r = qa.answer(question, context, qo);
    } catch (const Error& e) {
      throw Error(e.code(), "stdin line " + std::to_string(line_no) + ": " + e.what());
    }
    text.clear();
    if (list) {
      text += '[';
      for (size_t i = 0; i < r.answers.size(); ++i) {
        if (i) text += ',';
        append_answer(text, r.answers[i]);
      }
      text += ']';
    } else if (r.answers.empty()) {
      text += "{\"score\":0,\"start\":0,\"end\":0,\"answer\":\"\"}";
    } else {
      append_answer(text, r.answers[0]);
    }
    text += '\n';
    std::cout << text;
    check_output(std::cout);
    if (progress.active()) {
      EncodeOptions whole;
      whole.truncation = false;
      progress.add(1, model->tokenizer().encode_pair(question, context, whole).size());
    }
  }
  progress.finish();
  std::cout.flush();
  check_output(std::cout);
  return 0;
}

}  // namespace lightbert::cli
