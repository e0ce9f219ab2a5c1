// tests/fuzz/fuzz_lbt.cpp: libFuzzer target for the .lbt model file loader.
// Contract: the input is a whole .lbt file; ModelFile::open must return or throw
// lightbert::Error on it as given. Then the header's file size and manifest checksum are set to
// match the input (so mutations of the manifest reach the manifest readers instead of stopping
// at the FNV check) and Model::load (1 thread) must return or throw lightbert::Error; a model that
// loads is run once on a short input, so a manifest field that passed the checks but points
// outside the file shows up under ASan.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/model_file.h"
#include "fuzz_support.h"
#include "lightbert/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lightbert::fuzz::write_file("model.lbt", data, size);
  lightbert::fuzz::expect_typed_errors([&] { lightbert::formats::ModelFile::open(path); });
  std::vector<uint8_t> fixed(data, data + size);
  if (size >= lightbert::formats::kModelFileHeaderSize) {
    auto get = [&](size_t at) {
      uint64_t v = 0;
      for (int i = 7; i >= 0; --i) v = (v << 8) | fixed[at + i];
      return v;
    };
    auto put = [&](size_t at, uint64_t v) {
      for (int i = 0; i < 8; ++i) fixed[at + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    put(56, size);
    const uint64_t off = get(16), len = get(24);
    if (off <= size && len <= size - off) put(32, lightbert::formats::fnv1a64(&fixed[off], len));
    lightbert::fuzz::write_file("model.lbt", fixed.data(), fixed.size());
  }
  lightbert::fuzz::expect_typed_errors([&] {
    lightbert::ModelOptions options;
    options.threads = 1;
    auto model = lightbert::Model::load(path, options);
    model->embed({lightbert::TextInput{"hello world", std::nullopt}}, model->default_embedding(), true);
  });
  return 0;
}
