// cli/cmd_verify.cpp: `lightbert verify FILE.lbt`: checks a .lbt model file end to end: the
// header and manifest (ModelFile::open: magic, version, sizes, manifest checksum, every blob
// reference inside the data region, none overlapping), the SHA-256 of the whole data region
// against the manifest's data_sha256, then a full load (Model::load, one thread: every manifest
// field against the embedded config, the tokenizer and sentence-transformers files).
// Contract: prints one JSON line {"file", "ok": true, "bytes", "data_sha256"} and exits 0 when
// everything holds; otherwise the error (naming the file and what is wrong) on stderr, exit 1.
// Reads nothing on stdin. The data checksum is not checked by every load (it reads the whole
// file; docs/limits.md has the cost), which is what this command is for.
#include <sys/stat.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "formats/model_file.h"
#include "lightbert/error.h"
#include "lightbert/model.h"

namespace lightbert::cli {

int run_verify(const std::vector<std::string>& argv) {
  Args args(argv, {}, {});
  if (args.positional().size() != 1) {
    throw Error(ErrorCode::kInvalidArgument, "expected one file: lightbert verify FILE.lbt");
  }
  const std::string path = args.positional()[0];
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(ErrorCode::kIo, path + ": cannot open");
  if (S_ISDIR(st.st_mode)) {
    throw Error(ErrorCode::kInvalidArgument,
                path + ": is a folder; verify reads a .lbt model file (lightbert convert)");
  }
  const auto file = formats::ModelFile::open(path);
  file->verify_data();
  ModelOptions options;
  options.threads = 1;
  (void)Model::load(path, options);
  nlohmann::json report = {{"file", path},
                           {"ok", true},
                           {"bytes", static_cast<uint64_t>(st.st_size)},
                           {"data_sha256", file->manifest()[formats::kDataChecksumField]}};
  std::cout << report.dump() << "\n";
  return 0;
}

}  // namespace lightbert::cli
