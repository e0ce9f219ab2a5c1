// cli/args.cpp: see args.h.
#include "args.h"

#include <cerrno>
#include <cstdlib>

#include "lightbert/error.h"

namespace lightbert::cli {

namespace {
Error bad(const std::string& msg) {
  return Error(ErrorCode::kInvalidArgument, msg);
}
}  // namespace

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
           const std::set<std::string>& flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flags.count(name) != 0) {
      if (inline_value) throw bad("option --" + name + " takes no value");
      flags_.insert(name);
    } else if (value_options.count(name) != 0) {
      if (inline_value) {
        values_[name] = *inline_value;
      } else {
        if (i + 1 >= argv.size()) throw bad("option --" + name + " needs a value");
        values_[name] = argv[++i];
      }
    } else {
      throw bad("unknown option --" + name);
    }
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::require(const std::string& name) const {
  auto v = get(name);
  if (!v) throw bad("missing required option --" + name);
  return *v;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  auto v = get(name);
  return v ? *v : fallback;
}

int Args::get_int(const std::string& name, int fallback, int min_value, int max_value) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  long x = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno != 0 || x < min_value || x > max_value) {
    throw bad("option --" + name + " must be an integer in [" + std::to_string(min_value) + ", " +
              std::to_string(max_value) + "], got '" + *v + "'");
  }
  return static_cast<int>(x);
}

double Args::get_double(const std::string& name, double fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || errno != 0) {
    throw bad("option --" + name + " must be a number, got '" + *v + "'");
  }
  return x;
}

}  // namespace lightbert::cli
