// tests/support/test_paths.cpp: see test_paths.h.
#include "support/test_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

std::string make_temp_dir(const std::string& tag) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/lightbert-" + tag + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
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
