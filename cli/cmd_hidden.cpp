// cli/cmd_hidden.cpp: `lightbert hidden --model DIR`: the encoder's raw outputs.
// stdin {"text"(+"text_pair")} or {"input_ids"(+"token_type_ids")} -> stdout
// {"last_hidden_state": [[...] per real token], "pooler_output": [...]} (pooler_output only
// when the checkpoint has a pooler). Lines run in padding-free batches of --batch-size. A progress
// line goes to stderr when it is a terminal (cli/progress.h).
#include <iostream>

#include "args.h"
#include "batch_reader.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "progress.h"

namespace lightbert::cli {

int run_hidden(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "batch-size", "threads", "dtype"}, {"truncate"});
  const std::string dir = hub::resolve_model_path(args.require("model"));
  EncoderOptions eo;
  eo.threads = args.get_int("threads", 0, 0, 1024);
  eo.dtype = args.get_or("dtype", "fp32");  // fp32 | bf16 | int8 (dense layers' weights)
  std::unique_ptr<Encoder> enc = Encoder::load(dir, eo);
  const int max_length = enc->config().max_input_length();  // RoBERTa: 514 positions, 512
  BatchReader reader(std::cin, dir, max_length, args.flag("truncate"), /*allow_ids=*/true,
                     static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096)));
  std::ios::sync_with_stdio(false);
  Progress progress("hidden");
  SequenceBatch batch;
  EncoderOutput out;
  std::string text;
  while (reader.next(batch)) {
    try {
      enc->forward(batch, out);
    } catch (const Error& e) {
      throw Error(e.code(), "stdin lines " + std::to_string(reader.line_numbers().front()) + "-" +
                                std::to_string(reader.line_numbers().back()) + ": " + e.what());
    }
    const size_t h = static_cast<size_t>(out.hidden_size);
    for (size_t s = 0; s < batch.num_sequences(); ++s) {
      text.clear();
      text += "{\"last_hidden_state\":[";
      for (int32_t t = 0; t < batch.lengths[s]; ++t) {
        if (t) text += ',';
        append_floats(text, out.token(s, static_cast<size_t>(t)), h);
      }
      text += ']';
      if (!out.pooler_output.empty()) {
        text += ",\"pooler_output\":";
        append_floats(text, out.pooler_output.data() + s * h, h);
      }
      text += "}\n";
      std::cout << text;
      check_output(std::cout);
    }
    progress.add(batch.num_sequences(), batch.num_tokens());
  }
  progress.finish();
  std::cout.flush();
  check_output(std::cout);
  return 0;
}

}  // namespace lightbert::cli
