// lightbert/version.h: library version and the build/run-time facts worth logging.
// Contract: version_string() is "lightbert X.Y.Z (isa: NAME, threads: N)", naming the kernel
// ISA chosen at start-up, so bug reports and benchmarks say what ran.
#pragma once

#include <string>

namespace lightbert {

const char* version() noexcept;
std::string version_string();
// "kernel variants: native: NAMES; emulated (...): NAMES": which kernel variants this CPU runs
// natively and which only emulated (kernels.h), best first.
std::string kernel_variants_string();

}  // namespace lightbert
