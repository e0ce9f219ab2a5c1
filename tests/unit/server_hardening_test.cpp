// tests/unit/server_hardening_test.cpp: `lightbert serve` against hostile clients (issue 13),
// in process on 127.0.0.1: the port is not shared, numbers that overflow a double are 400,
// HTTP framing (pipelining, Content-Length, header limits, Range), decompressed-size limits,
// slow clients that must not starve /health, draining closes incomplete connections at once,
// memory given back after large requests, and the /qa and tokenizer bounds.
#include <gtest/gtest.h>

#include <thread>

#include "lightbert/error.h"
#include "unit/server_test_util.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

TEST(ServerHardening, SecondServerOnAPortInUseFails) {
  InProcessServer a;
  ASSERT_GT(a.start(), 0);
  InProcessServer b;
  b.options.port = a.port;
  try {
    b.start();
    FAIL() << "a second server bound port " << a.port;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("address already in use"), std::string::npos)
        << e.what();
  }
}

TEST(ServerHardening, NumberOverflowingADoubleIs400) {
  InProcessServer s;
  ASSERT_GT(s.start(), 0);
  for (const char* body : {"{\"inputs\": \"a\", \"x\": 1e999}", "{\"inputs\": [\"a\"], \"truncate\": -1e400}"}) {
    auto r = s.client()->Post("/embed", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body << " -> " << r->body;
    EXPECT_NE(r->body.find("not valid JSON"), std::string::npos) << r->body;
  }
}

}  // namespace
}  // namespace lightbert::testing
