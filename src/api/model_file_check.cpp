// api/model_file_check.cpp: lightbert/model_file.h and lightbert/limits.h over src/formats.
#include <sys/stat.h>

#include "formats/json_limits.h"
#include "formats/model_file.h"
#include "lightbert/error.h"
#include "lightbert/limits.h"
#include "lightbert/model.h"
#include "lightbert/model_file.h"

namespace lightbert {

ModelFileCheck verify_model_file(const std::string& path) {
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
  ModelFileCheck c;
  c.bytes = static_cast<uint64_t>(st.st_size);
  c.data_sha256 = file->manifest()[formats::kDataChecksumField].get<std::string>();
  return c;
}

size_t max_json_depth() {
  return formats::max_json_depth();
}

void check_json_depth(std::string_view text, const std::string& source) {
  formats::check_json_depth(text, source);
}

}  // namespace lightbert
