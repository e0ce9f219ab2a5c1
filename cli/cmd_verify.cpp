// cli/cmd_verify.cpp: `lightbert verify FILE.lbt`: lightbert::verify_model_file
// (lightbert/model_file.h), which checks a .lbt model file end to end: the
// header and manifest (ModelFile::open: magic, version, sizes, manifest checksum, every blob
// reference inside the data region, none overlapping), the SHA-256 of the whole data region
// against the manifest's data_sha256, then a full load (Model::load, one thread: every manifest
// field against the embedded config, the tokenizer and sentence-transformers files).
// Contract: prints one JSON line {"file", "ok": true, "bytes", "data_sha256"} and exits 0 when
// everything holds; otherwise the error (naming the file and what is wrong) on stderr, exit 1.
// Reads nothing on stdin. The data checksum is not checked by every load (it reads the whole
// file; docs/limits.md has the cost), which is what this command is for.
#include <iostream>

#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "lightbert/error.h"
#include "lightbert/model_file.h"

namespace lightbert::cli {

int run_verify(const std::vector<std::string>& argv) {
  Args args(argv, {}, {});
  if (args.positional().size() != 1) {
    throw Error(ErrorCode::kInvalidArgument, "expected one file: lightbert verify FILE.lbt");
  }
  const std::string path = args.positional()[0];
  const ModelFileCheck c = verify_model_file(path);
  nlohmann::json report = {
      {"file", path}, {"ok", true}, {"bytes", c.bytes}, {"data_sha256", c.data_sha256}};
  std::cout << report.dump() << "\n";
  return 0;
}

}  // namespace lightbert::cli
