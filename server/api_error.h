// server/api_error.h: the errors the HTTP API answers with, in TEI's body shape.
// Contract: handlers throw ApiError(status, type, message); the server turns it into
// `status` with the body {"error": message, "error_type": type}. Types follow
// text-embeddings-inference where it has one: "validation" (bad or too large input),
// "empty" (no inputs), "overloaded" (429), "unhealthy" (503 while stopping), "backend" (500),
// plus "not_found" (404: unknown path or a head the model lacks).
#pragma once

#include <stdexcept>
#include <string>

namespace lightbert::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string type, const std::string& message)
      : std::runtime_error(message), status_(status), type_(std::move(type)) {}
  int status() const noexcept { return status_; }
  const std::string& type() const noexcept { return type_; }

 private:
  int status_;
  std::string type_;
};

// {"error": message, "error_type": type} (message escaped; invalid UTF-8 replaced).
std::string error_body(const std::string& type, const std::string& message);

// Shorthands for the common cases.
inline ApiError bad_request(const std::string& message) {
  return ApiError(400, "validation", message);
}
inline ApiError too_large(const std::string& message) {
  return ApiError(413, "validation", message);
}

}  // namespace lightbert::server
