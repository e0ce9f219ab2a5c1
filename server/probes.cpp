// server/probes.cpp: see probes.h.
#include "server/probes.h"

#include "server/handlers.h"

namespace lightbert::server {

const char* phase_status(Phase phase) {
  switch (phase) {
    case Phase::kLoading: return "loading";
    case Phase::kReady: return "ok";
    case Phase::kDraining: return "stopping";
  }
  return "stopping";
}

void answer_probe(Probe probe, Phase phase, httplib::Response& res) {
  const int status = probe == Probe::kLive || phase == Phase::kReady ? 200 : 503;
  send_json(res, status, std::string("{\"status\":\"") + phase_status(phase) + "\"}");
}

bool is_probe_target(const std::string& target) {
  return target == "/health" || target == "/ready" || target == "/live";
}

}  // namespace lightbert::server
