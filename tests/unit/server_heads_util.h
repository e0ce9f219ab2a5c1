// tests/unit/server_heads_util.h: helpers of the task-head server tests (header only).
// Contract: HeadServer assembles a head model folder (support/head_models.h; or uses a fixed
// folder), starts `lightbert serve` on it as a child process on 127.0.0.1 and, in its
// destructor, kills the server and removes the folder. post()/post_json()/get() answer {status,
// body, Retry-After} (status -1: no answer). expect_json_near() asserts the same JSON shape and
// keys, numbers within `tol`, everything else identical.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/head_models.h"
#include "support/server_process.h"
#include "support/test_paths.h"

namespace lightbert::testing {

struct Answer {
  int status = -1;
  std::string body;
  std::string retry_after;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class HeadServer {
 public:
  // `name`: a folder of tests/data/heads assembled by make_head_model ("a+b": several heads in
  // one folder, make_multi_head_model), or "tiny-bert" and
  // "chinese-ner", used as they are.
  explicit HeadServer(const std::string& name, std::vector<std::string> extra_args = {}) {
    if (name == "tiny-bert" || name == "chinese-ner") {
      dir = test_data(name == "tiny-bert" ? "tiny-bert" : "heads/chinese-ner");
    } else if (name.find('+') != std::string::npos) {  // several heads in one folder
      std::vector<std::string> names;
      for (size_t at = 0, plus; at <= name.size(); at = plus + 1) {
        plus = name.find('+', at);
        if (plus == std::string::npos) plus = name.size();
        names.push_back(name.substr(at, plus - at));
      }
      dir = make_multi_head_model(names);
      owned_ = true;
    } else {
      dir = make_head_model(name);
      owned_ = true;
    }
    std::vector<std::string> args = {"--model", dir, "--threads", "1"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    port = process.start(args);
  }
  ~HeadServer() {
    process.signal(SIGKILL);
    process.wait_exit(10);
    if (owned_) remove_dir(dir);
  }
  Answer post(const std::string& path, const std::string& body, int timeout_s = 60) const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(timeout_s, 0);
    c.set_write_timeout(timeout_s, 0);
    return convert(c.Post(path.c_str(), body, "application/json"));
  }
  Answer post_json(const std::string& path, const nlohmann::json& body) const {
    return post(path, body.dump());
  }
  Answer get(const std::string& path) const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return convert(c.Get(path.c_str()));
  }

  std::string dir;
  ServerProcess process;
  int port = -1;

 private:
  static Answer convert(const httplib::Result& r) {
    Answer a;
    if (!r) return a;
    a.status = r->status;
    a.body = r->body;
    a.retry_after = r->get_header_value("Retry-After");
    return a;
  }
  bool owned_ = false;
};

inline void expect_json_near(const nlohmann::json& got, const nlohmann::json& want,
                             const std::string& where, double tol = 1e-4) {
  if (want.is_number() && got.is_number()) {
    EXPECT_NEAR(got.get<double>(), want.get<double>(), tol) << where;
    return;
  }
  ASSERT_EQ(got.type_name(), std::string(want.type_name()))
      << where << " got " << got.dump() << " want " << want.dump();
  if (want.is_array()) {
    ASSERT_EQ(got.size(), want.size()) << where << " got " << got.dump() << " want " << want.dump();
    for (size_t i = 0; i < want.size(); ++i)
      expect_json_near(got[i], want[i], where + "[" + std::to_string(i) + "]", tol);
  } else if (want.is_object()) {
    ASSERT_EQ(got.size(), want.size()) << where << " got " << got.dump() << " want " << want.dump();
    for (auto it = want.begin(); it != want.end(); ++it) {
      ASSERT_TRUE(got.contains(it.key())) << where << " lacks " << it.key();
      expect_json_near(got[it.key()], it.value(), where + "." + it.key(), tol);
    }
  } else {
    EXPECT_EQ(got, want) << where;
  }
}

// Asserts `status` and TEI's error body {"error", "error_type"} whose message has `needle`.
inline void expect_error(const Answer& a, int status, const std::string& type,
                         const std::string& needle) {
  EXPECT_EQ(a.status, status) << a.body;
  const nlohmann::json j = a.json();
  ASSERT_TRUE(j.is_object()) << a.body;
  EXPECT_EQ(j.value("error_type", ""), type) << a.body;
  EXPECT_NE(j.value("error", "").find(needle), std::string::npos)
      << "'" << needle << "' not in " << a.body;
}

}  // namespace lightbert::testing
