// cli/cmd_embed.cpp: `lightbert embed --model DIR`: one sentence embedding per input line.
// stdin {"text": ...(, "text_pair")} -> stdout {"embedding": [...]}. Pooling and normalisation
// default to the folder's sentence-transformers settings (mean, no normalisation otherwise);
// --pooling and --normalize override them. A folder's sentence-transformers Dense modules are
// applied after pooling (Model::pool), so the vector has Model::embedding_size() floats.
#include <iostream>

#include "args.h"
#include "batch_reader.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"

namespace lightbert::cli {

int run_embed(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "pooling", "batch-size", "threads", "dtype"},
            {"normalize", "truncate"});
  const std::string dir = hub::resolve_model_path(args.require("model"));
  ModelOptions mo;
  mo.threads = args.get_int("threads", 0, 0, 1024);
  mo.dtype = args.get_or("dtype", "fp32");  // fp32 | bf16 | int8 (dense layers' weights)
  std::unique_ptr<Model> model = Model::load(dir, mo);
  EmbeddingOptions eo = model->default_embedding();
  if (auto p = args.get("pooling")) eo.pooling = parse_pooling(*p);
  if (args.flag("normalize")) eo.normalize = true;
  BatchReader reader(std::cin, dir, model->max_length(), args.flag("truncate"),
                     /*allow_ids=*/false,
                     static_cast<size_t>(args.get_int("batch-size", 32, 1, 4096)));
  reader.set_tokenizer(&model->tokenizer());
  std::ios::sync_with_stdio(false);
  SequenceBatch batch;
  EncoderOutput out;
  std::vector<float> v(static_cast<size_t>(model->embedding_size()));
  std::string text;
  while (reader.next(batch)) {
    model->encoder().forward(batch, out);
    for (size_t s = 0; s < batch.num_sequences(); ++s) {
      model->pool(out, s, eo, v.data());
      text.clear();
      text += "{\"embedding\":";
      append_floats(text, v.data(), v.size());
      text += "}\n";
      std::cout << text;
      check_output(std::cout);
    }
  }
  std::cout.flush();
  check_output(std::cout);
  return 0;
}

}  // namespace lightbert::cli
