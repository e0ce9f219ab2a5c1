// server/probes.h: the health probes of `lightbert serve` (GET /live, /ready, /health).
// Contract: the server is in one Phase: kLoading (listening, the model not loaded yet), kReady,
// or kDraining (SIGTERM received, or shutdown begun). The probes read only the phase, so HttpCore's
// reception answers them itself (is_probe_target), never queued behind inference requests:
//  - /live (liveness): 200 in every phase while the process answers; the body names the phase.
//  - /ready (readiness): 200 {"status":"ok"} when ready; 503 {"status":"loading"} while the
//    model loads, 503 {"status":"stopping"} while draining.
//  - /health: as /ready (its meaning before /ready existed: 200 = serving, 503 = stopping;
//    TEI's /health is likewise 503 until the model can serve).
#pragma once

#include <string>

#include <httplib.h>

namespace lightbert::server {

enum class Phase { kLoading, kReady, kDraining };
enum class Probe { kLive, kReady, kHealth };

// "loading", "ok" or "stopping".
const char* phase_status(Phase phase);
void answer_probe(Probe probe, Phase phase, httplib::Response& res);
// Is `target` (the request target as framed) one of the probes' paths?
bool is_probe_target(const std::string& target);

}  // namespace lightbert::server
