// tests/support/test_paths.h: where the tests find their data.
// Contract: test_data() is the committed fixtures folder (tests/data). shared_vocab(name) is a
// real vocabulary folder from ../shared/vocab; when ../shared is absent (a user's clone) the
// calling test is skipped via REQUIRE_SHARED, except under CI (CI=true) where it must exist.
#pragma once

#include <string>

namespace lightbert::testing {

std::string test_data(const std::string& relative = "");
std::string shared_dir();
bool shared_available();
std::string shared_vocab(const std::string& name);  // e.g. "bert-base-uncased"
std::string cli_path();
// A fresh folder under $TMPDIR, removed with its contents when the process exits normally
// (LIGHTBERT_KEEP_TEST_TMP=1 keeps it).
std::string make_temp_dir(const std::string& tag);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace lightbert::testing

// Skips the current test when ../shared is missing outside CI; fails under CI.
#define REQUIRE_SHARED()                                             \
  do {                                                               \
    if (!::lightbert::testing::shared_available()) {                 \
      if (std::getenv("CI") != nullptr)                              \
        FAIL() << "CI needs " << ::lightbert::testing::shared_dir(); \
      GTEST_SKIP() << "no " << ::lightbert::testing::shared_dir();   \
    }                                                                \
  } while (0)
