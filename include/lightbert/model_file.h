// lightbert/model_file.h: checking a .lbt model file (docs/model-file-format.md) end to end.
// Contract: verify_model_file(path) checks the header and manifest (magic, version, sizes,
// manifest checksum, every blob reference inside the data region, none overlapping), the SHA-256
// of the whole data region against the manifest's data_sha256, then loads the model on one
// thread (every manifest field against the embedded config, the tokenizer and the
// sentence-transformers files); it returns the file's size and data checksum, or throws
// lightbert::Error naming the file and what is wrong (a folder is kInvalidArgument, a missing
// file kIo). Loads do not check the data checksum (it reads the whole file; docs/limits.md has
// the cost): this does.
#pragma once

#include <cstdint>
#include <string>

namespace lightbert {

struct ModelFileCheck {
  uint64_t bytes = 0;
  std::string data_sha256;  // hex
};

ModelFileCheck verify_model_file(const std::string& path);

}  // namespace lightbert
