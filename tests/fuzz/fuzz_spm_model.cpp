// tests/fuzz/fuzz_spm_model.cpp: libFuzzer target for SentencePiece model loading (spiece.model,
// ALBERT rules) and tokenizing with the loaded model.
// Contract: the input is a .model file; Tokenizer::from_folder on a folder holding it as
// spiece.model must return or throw lightbert::Error, and a loaded tokenizer must encode a few
// texts without anything but lightbert::Error. (libsentencepiece itself is not instrumented.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "lightbert/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lightbert::fuzz::write_file("spm/spiece.model", data, size);
  const std::string dir = path.substr(0, path.rfind('/'));
  lightbert::fuzz::expect_typed_errors([&] {
    const auto tok = lightbert::Tokenizer::from_folder(dir);
    const std::string_view texts[] = {"Hello, world! 1,000 caf\xC3\xA9 ``x''",
                                      "\xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80", " "};
    for (const auto& t : texts) (void)tok.encode(t);
    (void)tok.encode_pair(texts[0], texts[1]);
  });
  return 0;
}
