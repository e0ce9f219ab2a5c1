// cli/args.h: a small, strict command-line parser for the lightbert subcommands.
// Contract: options are "--name value" or "--name=value" or boolean "--flag"; every option a
// command reads must be declared, so an unknown option or a missing value is an error
// (lightbert::Error kInvalidArgument) naming it, never silently ignored.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lightbert::cli {

class Args {
 public:
  // `value_options`: options that take a value; `flags`: boolean options.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
       const std::set<std::string>& flags);

  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string require(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  int get_int(const std::string& name, int fallback, int min_value, int max_value) const;
  double get_double(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

}  // namespace lightbert::cli
