// hub/model_path.cpp: lightbert::hub::resolve_model_path (lightbert/hub.h): a --model argument
// is a path when one exists, else a repo id looked up in the hub cache (never the network).
#include <filesystem>
#include <system_error>

#include "hub/hub_cache.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"

namespace lightbert::hub {

std::string resolve_model_path(const std::string& model_arg, const std::string& cache_dir) {
  if (model_arg.empty()) throw Error(ErrorCode::kInvalidArgument, "empty --model");
  std::error_code ec;
  if (std::filesystem::exists(model_arg, ec)) return model_arg;
  std::string repo = model_arg, revision = "main";
  if (const size_t at = model_arg.rfind('@'); at != std::string::npos) {
    repo = model_arg.substr(0, at);
    revision = model_arg.substr(at + 1);
  }
  if (!looks_like_repo_id(repo) || revision.empty()) {
    throw Error(ErrorCode::kNotFound, model_arg + ": no such file or folder (nor a hub repo id)");
  }
  try {
    return cached_snapshot(repo, revision, cache_dir);
  } catch (const Error& e) {
    throw Error(ErrorCode::kNotFound, model_arg + ": no such folder, and " + e.what());
  }
}

}  // namespace lightbert::hub
