// lightbert/error.h: the one exception type that every input-caused failure throws.
// Contract: code() says what kind of failure it is; what() is one line that names the file,
// field, tensor or input at fault, so a CLI can print it as is. Library code never aborts on
// bad input; it throws lightbert::Error.
#pragma once

#include <stdexcept>
#include <string>

namespace lightbert {

enum class ErrorCode {
  kInvalidArgument,  // a caller passed something unusable (option, id out of range, empty batch)
  kIo,               // a file could not be opened, read, mapped or written
  kFormat,           // a file's content is malformed (JSON, safetensors header, model file)
  kUnsupported,      // well-formed but not supported (architecture, dtype, position type)
  kNotFound,         // a required file, tensor or field is missing
  kOutOfRange,       // a sequence or size exceeds what the model allows
  kInternal,         // a bug in lightbert
};

const char* error_code_name(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace lightbert
