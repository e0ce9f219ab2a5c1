// tests/support/run_cli.h: runs the lightbert CLI binary as a user would.
// Contract: run_cli(args, stdin_text) runs `lightbert ARGS < stdin` through /bin/sh with a
// time limit (60 s by default; the test fails on a hang) and returns exit code, stdout, stderr.
#pragma once

#include <string>
#include <vector>

namespace lightbert::testing {

struct CliResult {
  int exit_code = -1;  // the process's exit status; 128+N when killed by signal N
  std::string out;
  std::string err;
  std::vector<std::string> out_lines() const;
};

CliResult run_cli(const std::string& args, const std::string& stdin_text, int timeout_s = 60);
std::string shell_quote(const std::string& s);

}  // namespace lightbert::testing
