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
      {"classify", "classify --model DIR [--top-k K] [--truncate] [--batch-size N] [--threads N]",
       run_classify},
      {"similarity", "similarity --model DIR [--truncate] [--batch-size N] [--threads N]",
       run_similarity},
      {"ner",
       "ner --model DIR [--aggregation none|simple|first|max|average] [--truncate] "
       "[--batch-size N] [--threads N]",
       run_ner},
      {"qa",
       "qa --model DIR [--top-k K] [--max-answer-len N] [--doc-stride N] [--max-seq-len N] "
       "[--threads N]",
       run_qa},
      {"fill-mask", "fill-mask --model DIR [--top-k K] [--truncate] [--batch-size N] [--threads N]",
       run_fill_mask},
      {"replaced-tokens", "replaced-tokens --model DIR [--truncate] [--batch-size N] [--threads N]",
       run_replaced_tokens},
      {"bench",
       "bench --model DIR (--batch B --seq S | --lengths L1,L2,... | --cases FILE --case NAME) "
       "[--runs N] [--warmup N] [--threads N] [--peak-gflops X] [--json]",
       run_bench},
      {"serve",
       "serve --model DIR|ORG/NAME [--host 127.0.0.1] [--port 8080] [--max-batch-tokens 16384] "
       "[--max-queue 512] [--max-input-length N] [--max-client-batch 1024] [--threads N] "
       "[--http-threads 16] [--max-batch-wait-ms 2] [--max-body-bytes 2097152] "
       "[--read-timeout 10] [--keep-alive-timeout 5] [--max-decompressed-bytes 2097152] "
       "[--max-header-bytes 16384] [--max-headers 64] [--max-connections 1024] "
       "[--header-timeout 5] [--body-timeout 10] [--max-request-tokens 262144] "
       "[--max-qa-context-chars 100000] [--max-word-chars 0] [--drain-seconds 0] "
       "[--drain-timeout 30]",
       run_serve},
      {"convert",
       "convert IN_DIR OUT.lbt [--dtype fp32|bf16|int8] [--prune-heads \"L:H,H;L:H\" | "
       "--prune-heads-ratio R] [--keep-layers 0,2,4] [--keep-float NAMES] [--calib FILE] "
       "[--threads N] [--runs N] [--json]",
       run_convert},
      {"verify", "verify FILE.lbt   (header, manifest, data checksum, full load)", run_verify},
  };
  return table;
}

}  // namespace lightbert::cli
