// tests/fuzz/fuzz_tokenizer_folder.cpp: libFuzzer target for the tokenizer files of a model
// folder: vocab.txt, tokenizer.json, vocab.json + merges.txt, tokenizer_config.json,
// special_tokens_map.json, added_tokens.json.
// Contract: the input is a small archive, files separated by lines "=== NAME" (NAME one of the
// names above; text before the first such line and unknown names are ignored). The files are
// written to an empty folder, then Tokenizer::from_folder must return or throw lightbert::Error,
// and a loaded tokenizer must encode a few texts (single and pair) without anything but
// lightbert::Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "fuzz_archive.h"
#include "lightbert/tokenizer.h"

namespace {

const char* const kNames[] = {"vocab.txt",         "tokenizer.json",          "vocab.json",
                              "merges.txt",        "tokenizer_config.json",   "special_tokens_map.json",
                              "added_tokens.json"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = lightbert::fuzz::unpack_archive("tok", data, size, kNames);
  lightbert::fuzz::expect_typed_errors([&] {
    const auto tok = lightbert::Tokenizer::from_folder(dir);
    const std::string_view texts[] = {"Hello, world! un-affable caf\xC3\xA9 [MASK] <mask>",
                                      "\xE4\xBD\xA0\xE5\xA5\xBD 123 \xF0\x9F\x98\x80", " ", ""};
    for (const auto& t : texts) (void)tok.encode(t);
    (void)tok.encode_pair(texts[0], texts[1]);
  });
  return 0;
}
