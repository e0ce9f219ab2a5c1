// cli/cmd_embed.cpp: `lightbert embed --model DIR`: one sentence embedding per input line.
// stdin {"text": ...(, "text_pair")} -> stdout {"embedding": [...]}. Pooling and normalisation
// default to the folder's sentence-transformers settings (mean, no normalisation otherwise);
// --pooling and --normalize override them. A folder's sentence-transformers Dense modules are
// applied after pooling (Model::pool), so the vector has Model::embedding_size() floats.
// --npy FILE writes the vectors to FILE as one float32 [lines, dim] .npy array instead (streamed,
// memory flat in the number of lines; cli/npy_writer.h); stdout then stays empty. A progress line
// goes to stderr when it is a terminal (cli/progress.h).
#include <iostream>
#include <optional>

#include "args.h"
#include "batch_reader.h"
#include "commands.h"
#include "jsonl.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"
#include "npy_writer.h"
#include "progress.h"

namespace lightbert::cli {

int run_embed(const std::vector<std::string>& argv) {
  Args args(argv, {"model", "pooling", "batch-size", "threads", "dtype", "npy"},
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
  std::optional<NpyWriter> npy;
  if (auto path = args.get("npy")) npy.emplace(*path, static_cast<size_t>(model->embedding_size()));
  Progress progress("embed");
  SequenceBatch batch;
  EncoderOutput out;
  const size_t dim = static_cast<size_t>(model->embedding_size());
  std::vector<float> v;
  std::string text;
  while (reader.next(batch)) {
    model->encoder().forward(batch, out);
    v.resize(batch.num_sequences() * dim);
    for (size_t s = 0; s < batch.num_sequences(); ++s) model->pool(out, s, eo, v.data() + s * dim);
    if (npy) {
      npy->append(v.data(), batch.num_sequences());
    } else {
      for (size_t s = 0; s < batch.num_sequences(); ++s) {
        text.clear();
        text += "{\"embedding\":";
        append_floats(text, v.data() + s * dim, dim);
        text += "}\n";
        std::cout << text;
        check_output(std::cout);
      }
    }
    progress.add(batch.num_sequences(), batch.num_tokens());
  }
  if (npy) npy->finish();
  progress.finish();
  std::cout.flush();
  check_output(std::cout);
  return 0;
}

}  // namespace lightbert::cli
