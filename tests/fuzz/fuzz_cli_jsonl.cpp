// tests/fuzz/fuzz_cli_jsonl.cpp: libFuzzer target for the CLI's JSON-lines input (cli/jsonl.cpp,
// cli/task_lines.cpp).
// Contract: the input is stdin text; reading it line by line with parse_input (ids allowed) and
// in batches with read_text_batch must give values or throw lightbert::Error.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_support.h"
#include "jsonl.h"
#include "task_lines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lightbert::fuzz::expect_typed_errors([&] {
    std::istringstream in(text);
    std::string line;
    size_t line_no = 0;
    while (lightbert::cli::next_line(in, line, line_no)) {
      lightbert::fuzz::expect_typed_errors(
          [&] { (void)lightbert::cli::parse_input(line, line_no, /*allow_ids=*/true); });
    }
  });
  lightbert::fuzz::expect_typed_errors([&] {
    std::istringstream in(text);
    lightbert::cli::TextBatch batch;
    size_t line_no = 0;
    while (lightbert::cli::read_text_batch(in, 4, /*allow_pair=*/true, line_no, batch)) {
    }
  });
  return 0;
}
