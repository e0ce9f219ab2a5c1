// server/openapi.h: the server's OpenAPI 3 contract, served at GET /openapi.json.
// Contract: openapi_json() is docs/openapi.json as it was at build time (embedded by CMake into
// the generated openapi_spec.cpp), so the served document and the one in the repository are the
// same text. Every route of http_server.cpp has a path there (tests/openapi/ checks it and runs
// schemathesis against a live server with it).
#pragma once

namespace lightbert::server {

const char* openapi_json() noexcept;

}  // namespace lightbert::server
