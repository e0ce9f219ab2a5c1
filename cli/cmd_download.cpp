// cli/cmd_download.cpp: `lightbert download ORG/NAME [--revision REV] [--cache-dir DIR]
// [--offline]`. Fetches the files lightbert reads into the Hugging Face cache (progress on
// stderr) and prints the snapshot folder on stdout, one line, so that
// `--model "$(lightbert download ORG/NAME)"` works. Reads nothing on stdin.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"

namespace lightbert::cli {

int run_download(const std::vector<std::string>& argv) {
  Args args(argv, {"revision", "cache-dir"}, {"offline"});
  if (args.positional().size() != 1) {
    throw Error(ErrorCode::kInvalidArgument, "expected one repo id: lightbert download ORG/NAME");
  }
  hub::DownloadOptions opts;
  opts.revision = args.get_or("revision", "main");
  opts.cache_dir = args.get_or("cache-dir", "");
  opts.offline = args.flag("offline");
  opts.progress = true;
  std::cout << hub::download(args.positional()[0], opts) << std::endl;
  return 0;
}

}  // namespace lightbert::cli
