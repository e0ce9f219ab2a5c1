// api/version.cpp: version strings (lightbert/version.h).
#include "lightbert/version.h"

#include "kernels/kernels.h"
#include "runtime/thread_pool.h"

namespace lightbert {

const char* version() noexcept {
  return LIGHTBERT_VERSION;
}

std::string version_string() {
  return std::string("lightbert ") + LIGHTBERT_VERSION + " (isa: " + kernels::active_isa_name() +
         ", cores: " + std::to_string(runtime::available_cores()) + ")";
}

std::string kernel_variants_string() {
  std::string native, emulated;
  for (const std::string& name : kernels::kernel_variant_names()) {
    if (kernels::cpu_supports(name)) {
      native += (native.empty() ? "" : " ") + name;
    } else if (kernels::can_emulate(name)) {
      emulated += (emulated.empty() ? "" : " ") + name;
    }
  }
  return "kernel variants: native: " + native + "; emulated (for tests, LIGHTBERT_ISA=<name>-emu): " +
         (emulated.empty() ? "none" : emulated);
}

}  // namespace lightbert
