// tests/support/run_cli.cpp: see run_cli.h.
#include "support/run_cli.h"

#include <sys/wait.h>

#include <cstdlib>
#include <sstream>

#include "support/test_paths.h"

namespace lightbert::testing {

std::vector<std::string> CliResult::out_lines() const {
  std::vector<std::string> lines;
  std::istringstream ss(out);
  std::string l;
  while (std::getline(ss, l)) lines.push_back(l);
  return lines;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

CliResult run_cli(const std::string& args, const std::string& stdin_text, int timeout_s) {
  const std::string dir = make_temp_dir("cli");
  write_file(dir + "/in", stdin_text);
  const std::string cmd = "timeout -s KILL " + std::to_string(timeout_s) + " " +
                          shell_quote(cli_path()) + " " + args + " < " + dir + "/in > " + dir +
                          "/out 2> " + dir + "/err";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(dir + "/out");
  r.err = read_file(dir + "/err");
  std::system(("rm -rf " + shell_quote(dir)).c_str());
  return r;
}

}  // namespace lightbert::testing
