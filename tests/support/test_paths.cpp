// tests/support/test_paths.cpp: see test_paths.h.
#include "support/test_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace lightbert::testing {

std::string test_data(const std::string& relative) {
  std::string base = LIGHTBERT_TEST_DATA;
  return relative.empty() ? base : base + "/" + relative;
}

std::string shared_dir() {
  return LIGHTBERT_SHARED_DIR;
}

bool shared_available() {
  struct stat st {};
  return stat((shared_dir() + "/vocab/bert-base-uncased/vocab.txt").c_str(), &st) == 0;
}

std::string shared_vocab(const std::string& name) {
  return shared_dir() + "/vocab/" + name;
}

std::string cli_path() {
  return LIGHTBERT_CLI_PATH;
}

namespace {

// The folders make_temp_dir created in this process, removed when it exits normally (a static
// destructor); LIGHTBERT_KEEP_TEST_TMP=1 keeps them for a post-mortem. A forked child that exits
// through exit() would remove its parent's folders too, so only the creating process removes.
class TempDirs {
 public:
  void add(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mu_);
    dirs_.push_back(dir);
  }
  ~TempDirs() {
    const char* keep = std::getenv("LIGHTBERT_KEEP_TEST_TMP");
    if ((keep != nullptr && std::string(keep) == "1") || getpid() != owner_) return;
    for (const std::string& d : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::string> dirs_;
  pid_t owner_ = getpid();
};

TempDirs& temp_dirs() {
  static TempDirs dirs;
  return dirs;
}

}  // namespace

std::string make_temp_dir(const std::string& tag) {
  TempDirs& registry = temp_dirs();  // constructed before any folder exists
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/lightbert-" + tag + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
  registry.add(pattern);
  return pattern;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << content;
}

}  // namespace lightbert::testing
