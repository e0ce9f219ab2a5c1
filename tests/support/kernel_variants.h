// tests/support/kernel_variants.h: the kernel variants a parametrised test runs over.
// Contract: test_variant_names() = the names of kernels::every_kernel_variant() (every variant
// once, native where this CPU has it, else its emulated build), best first;
// variant_test_name() turns one into a GoogleTest parameter name ('-' -> '_').
#pragma once

#include <string>
#include <vector>

namespace lightbert::test {

std::vector<std::string> test_variant_names();
std::string variant_test_name(const std::string& name);

}  // namespace lightbert::test
