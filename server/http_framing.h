// server/http_framing.h: strict HTTP/1.x request framing for `lightbert serve`, on bytes only
// (no sockets), so that it can be tested and fuzzed alone.
// Contract: frame_request(buf, limits) looks at the bytes received so far on a connection and
// says whether they hold a complete request (kComplete: the request, rebuilt in a canonical
// form, and how many bytes of `buf` it used; what follows is the next, pipelined, request),
// need more bytes (kIncomplete; `head_done` once the head is complete, so the caller can switch
// from the header deadline to the body deadline and answer "Expect: 100-continue"), or are an
// error the client made (kError: an HTTP status and a message naming the fault; the connection
// must be closed after answering, since the framing is lost). Rules: a request line
// "METHOD target HTTP/1.0|1.1"; header fields "Name: value" (no space before the colon, no
// obsolete line folding); at most `max_headers` fields and `max_header_bytes` bytes of head
// (431); Content-Length only as one decimal number (repeated copies must agree), never together
// with Transfer-Encoding, which may only be "chunked"; a body over `max_body_bytes` is 413 as
// soon as its length is known; a POST without a length is 411. The canonical request has the
// request line, the other header fields, and "Content-Length" of the (de-chunked) body; it
// drops Transfer-Encoding, Expect, Range and If-Range (a JSON API answers whole bodies), and
// keeps Content-Encoding in `content_encoding` (the body is still encoded: decode_body()).
// decode_body() inflates a gzip or deflate body into at most `max_decompressed_bytes` (413
// beyond; 400 when corrupt; 415 for another encoding). Never throws on any byte string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lightbert::server {

struct FramingLimits {
  size_t max_header_bytes = 16384;  // request line + header fields (+ chunked trailers)
  size_t max_headers = 64;          // header fields
  size_t max_body_bytes = 2u << 20;
  size_t max_decompressed_bytes = 2u << 20;
};

struct FramedRequest {
  enum class State { kIncomplete, kComplete, kError };
  State state = State::kIncomplete;
  bool head_done = false;         // kIncomplete: the head is complete, the body is not
  bool expect_continue = false;   // the head asked for "100 Continue"
  size_t consumed = 0;            // kComplete: bytes of the buffer this request used
  std::string method;             // kComplete
  std::string target;             // kComplete
  std::string head;               // kComplete: canonical request line + fields, no length
  std::string body;               // kComplete: de-chunked, still content-encoded
  std::string content_encoding;   // kComplete: lower-cased, "" when absent or identity
  bool keep_alive = true;         // kComplete: HTTP/1.1 without "Connection: close", or 1.0 with keep-alive
  int status = 0;                 // kError
  std::string message;            // kError
};

FramedRequest frame_request(std::string_view buf, const FramingLimits& limits);

// Inflates `body` per `encoding` ("" / "identity": unchanged). On failure returns false with
// `status` (400, 413, 415) and `message`.
bool decode_body(const std::string& encoding, std::string& body, size_t max_decompressed_bytes,
                 int& status, std::string& message);

// The canonical bytes handed to cpp-httplib: head + "Content-Length: N" + body.
std::string canonical_request(const FramedRequest& r);

}  // namespace lightbert::server
