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

}  // namespace lightbert
