// tests/support/kernel_variants.cpp: see kernel_variants.h.
#include "support/kernel_variants.h"

#include "kernels/kernels.h"

namespace lightbert::test {

std::vector<std::string> test_variant_names() {
  std::vector<std::string> names;
  for (const kernels::KernelTable* t : kernels::every_kernel_variant()) names.emplace_back(t->name);
  return names;
}

std::string variant_test_name(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    if (c == '-') c = '_';
  }
  return s;
}

}  // namespace lightbert::test
