// tests/support/convert_cases.cpp: see convert_cases.h.
#include "support/convert_cases.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "lightbert/error.h"
#include "support/test_paths.h"

namespace lightbert::testing {

void expect_invalid_convert_options(const std::vector<ConvertCase>& cases, const std::string& out) {
  for (const auto& [o, needle] : cases) {
    try {
      convert(test_data("tiny-bert"), out, o);
      ADD_FAILURE() << needle << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(out)) << needle;
  }
}

}  // namespace lightbert::testing
