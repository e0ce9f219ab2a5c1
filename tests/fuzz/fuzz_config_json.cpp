// tests/fuzz/fuzz_config_json.cpp: libFuzzer target for config.json (ModelConfig).
// Contract: the input is a config.json text; ModelConfig::from_json_string must return or throw
// lightbert::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "lightbert/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lightbert::fuzz::expect_typed_errors([&] {
    const auto config = lightbert::ModelConfig::from_json_string(text, "config.json");
    (void)config.num_distinct_layers();
  });
  return 0;
}
