// cli/commands.cpp: the command table (commands.h).
#include "commands.h"

namespace lightbert::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"tokenize", "tokenize --model DIR [--max-length N]", run_tokenize},
      {"hidden", "hidden --model DIR [--truncate] [--batch-size N] [--threads N]", run_hidden},
      {"embed",
       "embed --model DIR [--pooling mean|cls|max] [--normalize] [--truncate] [--batch-size N] "
       "[--threads N]",
       run_embed},
      {"download", "download ORG/NAME [--revision REV] [--cache-dir DIR] [--offline]",
       run_download},
      {"bench",
       "bench --model DIR (--batch B --seq S | --lengths L1,L2,... | --cases FILE --case NAME) "
       "[--runs N] [--warmup N] [--threads N] [--peak-gflops X] [--json]",
       run_bench},
  };
  return table;
}

}  // namespace lightbert::cli
