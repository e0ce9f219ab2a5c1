// cli/commands.h: the table of lightbert subcommands.
// Contract: each command takes its arguments (after the command name), reads JSON lines on
// stdin and writes JSON lines on stdout, and returns the process exit code. Errors are thrown
// as lightbert::Error; main() prints them as one line on stderr and exits 1.
#pragma once

#include <string>
#include <vector>

namespace lightbert::cli {

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* usage;  // one line, after "lightbert "
  CommandFn run;
};

const std::vector<Command>& commands();

int run_tokenize(const std::vector<std::string>& args);
int run_hidden(const std::vector<std::string>& args);
int run_embed(const std::vector<std::string>& args);
int run_download(const std::vector<std::string>& args);
int run_classify(const std::vector<std::string>& args);
int run_similarity(const std::vector<std::string>& args);
int run_ner(const std::vector<std::string>& args);
int run_qa(const std::vector<std::string>& args);
int run_fill_mask(const std::vector<std::string>& args);
int run_replaced_tokens(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_serve(const std::vector<std::string>& args);
int run_convert(const std::vector<std::string>& args);
int run_verify(const std::vector<std::string>& args);

}  // namespace lightbert::cli
