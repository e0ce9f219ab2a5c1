// tests/support/server_process.cpp: see server_process.h.
#include "support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::testing {

double metric(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == ' ') {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  return -1;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) std::system(("rm -rf " + shell_quote(dir_)).c_str());
}

int ServerProcess::start(const std::vector<std::string>& args, int timeout_s) {
  std::vector<std::string> all = {"--port", "0"};
  all.insert(all.end(), args.begin(), args.end());
  if (!launch(all)) return -1;
  return wait_listening(timeout_s);
}

bool ServerProcess::launch(const std::vector<std::string>& args) {
  dir_ = make_temp_dir("serve");
  const std::string err_path = dir_ + "/stderr";
  std::vector<std::string> argv = {cli_path(), "serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;  // built before fork(): the child only calls async-signal-safe code
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, 2);
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
    }
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  return pid_ > 0;
}

int ServerProcess::wait_listening(int timeout_s) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string err = stderr_text();
    const std::string marker = "listening on http://127.0.0.1:";
    if (auto at = err.find(marker); at != std::string::npos) {
      return std::atoi(err.c_str() + at + marker.size());
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void ServerProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

int ServerProcess::wait_exit(int timeout_s) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string ServerProcess::stderr_text() const {
  if (dir_.empty()) return "";
  try {
    return read_file(dir_ + "/stderr");
  } catch (...) {
    return "";
  }
}

}  // namespace lightbert::testing
