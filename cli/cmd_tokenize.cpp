// cli/cmd_tokenize.cpp: `lightbert tokenize --model DIR [--max-length N]`.
// stdin {"text": ..., "text_pair"?: ...} -> stdout {"input_ids", "token_type_ids", "tokens",
// "offsets"} (offsets in Unicode code points, as Hugging Face's offset_mapping). Needs only the
// tokenizer files of the folder, not the weights.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"
#include "lightbert/tokenizer.h"

namespace lightbert::cli {

int run_tokenize(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "max-length"}, {});
  const Tokenizer tok = load_tokenizer(hub::resolve_model_path(args.require("model")));
  EncodeOptions opts;
  opts.max_length = args.get_int("max-length", tok.config().model_max_length, 2, 1 << 20);
  std::ios::sync_with_stdio(false);
  std::string line, out;
  size_t line_no = 0;
  while (next_line(std::cin, line, line_no)) {
    InputLine in = parse_input(line, line_no, /*allow_ids=*/false);
    Encoding e;
    try {
      e = in.text->text_pair ? tok.encode_pair(in.text->text, *in.text->text_pair, opts)
                             : tok.encode(in.text->text, opts);
    } catch (const Error& err) {
      throw Error(err.code(), "stdin line " + std::to_string(line_no) + ": " + err.what());
    }
    out.clear();
    out += "{\"input_ids\":";
    append_ints(out, e.input_ids.data(), e.input_ids.size());
    out += ",\"token_type_ids\":";
    append_ints(out, e.token_type_ids.data(), e.token_type_ids.size());
    out += ",\"tokens\":[";
    for (size_t i = 0; i < e.tokens.size(); ++i) {
      if (i) out += ',';
      append_string(out, e.tokens[i]);
    }
    out += "],\"offsets\":[";
    for (size_t i = 0; i < e.offsets.size(); ++i) {
      if (i) out += ',';
      out += '[' + std::to_string(e.offsets[i].first) + ',' + std::to_string(e.offsets[i].second) +
             ']';
    }
    out += "]}\n";
    std::cout << out;
    check_output(std::cout);
  }
  std::cout.flush();
  check_output(std::cout);
  return 0;
}

}  // namespace lightbert::cli
