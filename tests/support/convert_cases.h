// tests/support/convert_cases.h: the bad-options check shared by the convert API tests.
// Contract: expect_invalid_convert_options(cases, out) runs lightbert::convert on tests' tiny-bert
// folder writing `out` once per case, and records a gtest failure unless each throws
// lightbert::Error(kInvalidArgument) with the case's needle in its message and leaves no `out`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "lightbert/convert.h"

namespace lightbert::testing {

using ConvertCase = std::pair<ConvertOptions, std::string>;  // options, part of the message

void expect_invalid_convert_options(const std::vector<ConvertCase>& cases, const std::string& out);

}  // namespace lightbert::testing
