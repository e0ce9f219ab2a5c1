// tests/fuzz/fuzz_safetensors.cpp: libFuzzer target for the safetensors reader.
// Contract: the input is a whole .safetensors file image; parse_safetensors must return or throw
// lightbert::Error, and every tensor it returns must lie inside the image (checked by touching
// its first and last byte under ASan).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/safetensors.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A private copy sized exactly, so ASan sees any read past the end.
  std::vector<uint8_t> bytes(data, data + size);
  lightbert::fuzz::expect_typed_errors([&] {
    const auto content = lightbert::formats::parse_safetensors(bytes.data(), bytes.size(), "fuzz");
    volatile uint8_t sink = 0;
    for (const auto& t : content.tensors) {
      if (t.nbytes == 0) continue;
      const auto* p = t.data;
      sink = sink + p[0] + p[t.nbytes - 1];
    }
  });
  return 0;
}
