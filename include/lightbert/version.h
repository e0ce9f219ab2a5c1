// lightbert/version.h: library version and the build/run-time facts worth logging.
// Contract: version() is "X.Y.Z"; version_string() is "lightbert X.Y.Z (isa: NAME, cores: N)",
// naming the kernel table chosen at start-up (kernels::active_isa_name, LIGHTBERT_ISA may force
// one) and the cores this process may use, so bug reports and benchmarks say what ran.
#pragma once

#include <string>

namespace lightbert {

const char* version() noexcept;
std::string version_string();
// "kernel variants: native: NAMES; emulated (for tests, LIGHTBERT_ISA=<name>-emu): NAMES" (or
// "none"): which kernel variants this CPU runs
// natively and which only emulated (kernels.h), best first.
std::string kernel_variants_string();

}  // namespace lightbert
