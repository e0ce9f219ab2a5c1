// tests/fuzz/fuzz_http_request.cpp: libFuzzer target for the server's HTTP framing
// (server/http_framing.h) and body decoding.
// Contract: the input is the bytes a client sends on one connection. frame_request() is applied
// as the reception applies it (repeatedly, consuming each complete request, as pipelined
// requests are), on every prefix length the input is cut at by its first byte; it must never
// throw or crash, a complete request must consume between 1 and all of the bytes, and its
// canonical form must frame again to the same method, target and body. decode_body() runs on
// each complete body under gzip and deflate with a 1 MiB limit and must stay within it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/http_framing.h"

using lightbert::server::FramedRequest;
using lightbert::server::FramingLimits;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void frame_all(std::string_view buf, const FramingLimits& limits) {
  for (int n = 0; n < 64 && !buf.empty(); ++n) {
    FramedRequest r = lightbert::server::frame_request(buf, limits);
    if (r.state != FramedRequest::State::kComplete) return;
    check(r.consumed >= 1 && r.consumed <= buf.size());
    check(r.body.size() <= limits.max_body_bytes);
    // The canonical request frames to the same request.
    const std::string canon = lightbert::server::canonical_request(r);
    FramedRequest again = lightbert::server::frame_request(canon, limits);
    check(again.state == FramedRequest::State::kComplete);
    check(again.method == r.method && again.target == r.target && again.body == r.body);
    check(again.consumed == canon.size());
    for (const char* enc : {"gzip", "deflate"}) {
      std::string body = r.body;
      int status = 0;
      std::string message;
      if (lightbert::server::decode_body(enc, body, 1u << 20, status, message)) {
        check(body.size() <= (1u << 20));
      } else {
        check(status == 400 || status == 413);
      }
    }
    buf.remove_prefix(r.consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FramingLimits limits;
  limits.max_header_bytes = 2048;
  limits.max_headers = 16;
  limits.max_body_bytes = 1u << 16;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  frame_all(all, limits);
  if (size > 1) {  // the same bytes arriving in two parts
    const size_t cut = static_cast<uint8_t>(all[0]) % size;
    (void)lightbert::server::frame_request(all.substr(1, cut), limits);
  }
  return 0;
}
