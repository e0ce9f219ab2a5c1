// tests/fuzz/fuzz_torch_checkpoint.cpp: libFuzzer target for the pytorch_model.bin reader.
// Contract: the input is a whole torch.save file (zip or legacy); parse_torch_checkpoint must
// return or throw lightbert::Error, and every tensor it returns must lie inside the image
// (its first and last byte are touched under ASan).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/torch_checkpoint.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);  // sized exactly, so ASan sees overreads
  lightbert::fuzz::expect_typed_errors([&] {
    (void)lightbert::formats::looks_like_torch_checkpoint(bytes.data(), bytes.size());
    const auto tensors =
        lightbert::formats::parse_torch_checkpoint(bytes.data(), bytes.size(), "fuzz");
    volatile uint8_t sink = 0;
    for (const auto& t : tensors) {
      if (t.nbytes == 0) continue;
      sink = sink + t.data[0] + t.data[t.nbytes - 1];
    }
  });
  return 0;
}
