// tests/fuzz/fuzz_http_bodies.cpp: libFuzzer target for the JSON bodies of every endpoint of
// `lightbert serve` (server/json_requests.h, server/head_requests.h).
// Contract: the first byte picks the endpoint (/embed, /v1/embeddings, /predict, /ner, /qa,
// /fill-mask), the rest is the body. The parser must return a request or throw ApiError with a
// 4xx status (400 or 413); anything else (another exception, a 5xx, a crash, a sanitizer
// report) is a finding. A returned request respects the limit on inputs (8 here).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/api_error.h"
#include "server/head_requests.h"
#include "server/json_requests.h"

using namespace lightbert::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr size_t kMax = 8;
  try {
    switch (data[0] % 6) {
      case 0: {
        const EmbedRequest r = parse_tei_embed(body, kMax);
        if (r.inputs.empty() || r.inputs.size() > kMax) std::abort();
        break;
      }
      case 1: {
        const EmbedRequest r = parse_openai_embeddings(body, kMax);
        if (r.inputs.empty() || r.inputs.size() > kMax) std::abort();
        break;
      }
      case 2:
        (void)parse_predict(body, kMax);
        break;
      case 3:
        (void)parse_ner(body, kMax);
        break;
      case 4: {
        const QaRequest r = parse_qa(body, kMax);
        if (r.items.size() > kMax) std::abort();
        break;
      }
      default:
        (void)parse_fill_mask(body, kMax);
        break;
    }
  } catch (const ApiError& e) {
    if (e.status() != 400 && e.status() != 413) std::abort();
  }
  return 0;
}
