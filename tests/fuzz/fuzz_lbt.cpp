// tests/fuzz/fuzz_lbt.cpp: libFuzzer target for the .lbt model file loader.
// Contract: the input is a whole .lbt file; ModelFile::open and Model::load (1 thread) must
// return or throw lightbert::Error. A model that loads is run once on a short input, so a
// manifest field that passed the checks but points outside the file shows up under ASan.
#include <cstddef>
#include <cstdint>

#include "formats/model_file.h"
#include "fuzz_support.h"
#include "lightbert/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lightbert::fuzz::write_file("model.lbt", data, size);
  lightbert::fuzz::expect_typed_errors([&] { lightbert::formats::ModelFile::open(path); });
  lightbert::fuzz::expect_typed_errors([&] {
    lightbert::ModelOptions options;
    options.threads = 1;
    auto model = lightbert::Model::load(path, options);
    model->embed({lightbert::TextInput{"hello world", std::nullopt}}, model->default_embedding(), true);
  });
  return 0;
}
