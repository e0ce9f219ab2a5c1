// api/version.cpp: version strings (lightbert/version.h).
#include "lightbert/version.h"

#include <thread>

namespace lightbert {

const char* version() noexcept { return LIGHTBERT_VERSION; }

std::string version_string() {
  return std::string("lightbert ") + LIGHTBERT_VERSION +
         " (threads: " + std::to_string(std::thread::hardware_concurrency()) + ")";
}

}  // namespace lightbert
