// cli/main.cpp: `lightbert COMMAND [options]`: dispatch through the command table, and turn
// every error into one line on stderr with a non-zero exit code (never a crash). Output that
// could not be written (stdout on a full disk, a closed pipe) is such an error too: exit 1 with
// the reason, never exit 0 with a cut output.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "commands.h"
#include "lightbert/error.h"
#include "lightbert/version.h"

namespace {

void print_usage(std::FILE* f) {
  std::fprintf(
      f, "usage: lightbert COMMAND [options]   (JSON lines on stdin and stdout)\n\ncommands:\n");
  for (const auto& c : lightbert::cli::commands()) std::fprintf(f, "  lightbert %s\n", c.usage);
  std::fprintf(f, "  lightbert --version\n");
}

// Flushes std::cout and stdout; false (after printing why) when anything written was lost.
bool flush_output(const char* name) {
  errno = 0;
  std::cout.flush();
  int err = errno;
  bool ok = static_cast<bool>(std::cout);
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    ok = false;
    if (err == 0) err = errno;
  }
  if (!ok) {
    std::fprintf(stderr, "lightbert %s: error: stdout: cannot write: %s\n", name,
                 err != 0 ? std::strerror(err) : "write failed");
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? stderr : stdout);
    if (!flush_output("help")) return 1;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("%s\n%s\n", lightbert::version_string().c_str(),
                lightbert::kernel_variants_string().c_str());
    return flush_output("--version") ? 0 : 1;
  }
  for (const auto& c : lightbert::cli::commands()) {
    if (args[0] != c.name) continue;
    try {
      const int rc = c.run(std::vector<std::string>(args.begin() + 1, args.end()));
      return flush_output(c.name) ? rc : 1;
    } catch (const lightbert::Error& e) {
      std::fprintf(stderr, "lightbert %s: error: %s\n", c.name, e.what());
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "lightbert %s: error: out of memory\n", c.name);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "lightbert %s: error: %s\n", c.name, e.what());
    }
    return 1;
  }
  std::fprintf(stderr, "lightbert: unknown command '%s'\n", args[0].c_str());
  print_usage(stderr);
  return 2;
}
