// tests/support/server_process.h: `lightbert serve` as a child process on 127.0.0.1, for tests.
// Contract: ServerProcess::start(args) spawns `lightbert serve --port 0 ARGS` with stderr to a
// file and waits (at most `timeout_s`) for its "listening on" line, returning the port; it
// returns -1 when the child exits or the time runs out (stderr() tells why). launch(args) only
// spawns `lightbert serve ARGS` (no --port added) and returns at once. signal() sends a
// signal; wait_exit() reaps the child within a time limit. The destructor kills and reaps a
// child that is still running, so no test leaves a server behind. metric(text, name) is the
// value of one sample of a /metrics (Prometheus) text.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace lightbert::testing {

// The value of the sample `name` (with its labels, e.g. `x{a="b"}`) in a Prometheus text; -1
// when absent.
double metric(const std::string& text, const std::string& name);

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int start(const std::vector<std::string>& args, int timeout_s = 60);
  bool launch(const std::vector<std::string>& args);
  // After launch(): waits for the "listening on" line; the port, or -1 (as start()).
  int wait_listening(int timeout_s);
  void signal(int sig) const;
  // The exit status (128+N when killed by signal N), or -1 when still running after timeout_s.
  int wait_exit(int timeout_s);
  std::string stderr_text() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

}  // namespace lightbert::testing
