// hub/http_client.h: the few HTTP(S) requests the hub download needs, over libcurl.
// Contract: a request never throws for a network or HTTP failure; it returns an HttpResponse
// whose transport_error (connection refused, timeout, connection closed mid-body, ...) or status
// the caller judges, so that it can decide to retry. Every request has a connect timeout and a
// stall timeout (no byte for N seconds), so nothing hangs. The bearer token is sent to the
// first host only (libcurl drops custom Authorization headers on a redirect to another host),
// and download_to() can leave it out.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace lightbert::hub {

struct HttpResponse {
  long status = 0;              // HTTP status of the final response; 0 when none came
  std::string transport_error;  // non-empty when the transfer failed (then status may be 0)
  std::map<std::string, std::string> headers;  // of the final response, names lowercased
  std::string body;        // get_text(), and error bodies of download_to() (capped)
  bool restarted = false;  // download_to(): asked for a range, got the whole file (200)

  bool transport_ok() const { return transport_error.empty(); }
  std::string header(const std::string& lowercase_name) const;
};

struct HttpSettings {
  std::string token;  // empty: no Authorization header
  int connect_timeout_s = 10;
  int stall_timeout_s = 30;
};

class HttpClient {
 public:
  explicit HttpClient(HttpSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // HEAD without following redirects (the caller reads Location and the X-Linked-* headers).
  HttpResponse head(const std::string& url);
  // GET following redirects; the body, at most max_bytes, in .body.
  HttpResponse get_text(const std::string& url, size_t max_bytes);
  // GET following redirects into the file at `path`. When it already holds n > 0 bytes, sends
  // "Range: bytes=n-": a 206 answer is appended, a 200 answer rewrites the file from byte 0.
  // Non-2xx bodies are not written. on_progress(bytes in the file) is called as data arrives;
  // more than max_total bytes in the file fails the transfer. with_token=false sends no token
  // (for a CDN on another host than the hub).
  HttpResponse download_to(const std::string& url, const std::string& path, uint64_t max_total,
                           bool with_token, const std::function<void(uint64_t)>& on_progress);

 private:
  struct Impl;
  Impl* impl_;
};

// Percent-encodes everything but unreserved characters; keeps '/' when keep_slash.
std::string url_quote(const std::string& s, bool keep_slash);

}  // namespace lightbert::hub
