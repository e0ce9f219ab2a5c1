// tests/unit/server_api_test.cpp: the HTTP API of `lightbert serve`, in process on 127.0.0.1:
// /embed and /v1/embeddings against tiny-bert's PyTorch float64 golden embeddings (1e-4),
// truncation and length limits, every malformed-request case (400 naming the field, 413, 404),
// /health, /info and /metrics, and slow clients (timed out while others are served).
#include <gtest/gtest.h>

#include <thread>

#include "unit/server_test_util.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

class ServerApi : public ::testing::Test {
 protected:
  void SetUp() override {
    srv_.options.read_timeout_s = 1;
    srv_.options.request_deadline_s = 3;
    srv_.options.max_client_batch = 8;
    srv_.options.max_body_bytes = 64 * 1024;
    ASSERT_GT(srv_.start(), 0);
  }
  httplib::Result post(const std::string& path, const std::string& body) {
    return srv_.client()->Post(path.c_str(), body, "application/json");
  }
  // Asserts `status` and TEI's error body, whose message contains `needle`.
  void expect_error(const std::string& path, const std::string& body, int status,
                    const std::string& type, const std::string& needle) {
    auto r = post(path, body);
    ASSERT_TRUE(r) << "no answer to " << body;
    EXPECT_EQ(r->status, status) << body << " -> " << r->body;
    json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r->body;
    EXPECT_EQ(j.value("error_type", ""), type) << r->body;
    EXPECT_NE(j.value("error", "").find(needle), std::string::npos) << r->body;
  }
  InProcessServer srv_;
};

TEST_F(ServerApi, EmbedMatchesGoldenNormalizedByDefault) {
  for (const auto& g : golden()) {
    auto r = post("/embed", json({{"inputs", g.text}, {"truncate", true}}).dump());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    json j = json::parse(r->body);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_LT(max_abs_diff(j[0], g.expected["embed_mean_normalized"]), 1e-4) << g.text;
  }
}

TEST_F(ServerApi, EmbedBatchWithoutNormalizeMatchesGoldenInOrder) {
  const auto gold = golden();
  json inputs = json::array();
  for (const auto& g : gold) inputs.push_back(g.text);
  ASSERT_LE(inputs.size(), 8u);
  auto r =
      post("/embed", json({{"inputs", inputs}, {"normalize", false}, {"truncate", true}}).dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  ASSERT_EQ(j.size(), gold.size());
  for (size_t i = 0; i < gold.size(); ++i) {
    EXPECT_LT(max_abs_diff(j[i], gold[i].expected["embed_mean"]), 1e-4) << gold[i].text;
  }
}

TEST_F(ServerApi, OpenAiEmbeddingsMatchGoldenWithUsage) {
  const auto gold = golden();
  json inputs = json::array();
  size_t tokens = 0;
  for (const auto& g : gold) {
    if (g.expected["input_ids"].is_null()) continue;  // too long: OpenAI's route never truncates
    inputs.push_back(g.text);
    tokens += g.expected["input_ids"].size();
  }
  auto r = post("/v1/embeddings", json({{"input", inputs}, {"model", "m1"}}).dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["model"], "m1");
  EXPECT_EQ(j["usage"]["prompt_tokens"], tokens);
  EXPECT_EQ(j["usage"]["total_tokens"], tokens);
  ASSERT_EQ(j["data"].size(), inputs.size());
  size_t k = 0;
  for (const auto& g : gold) {
    if (g.expected["input_ids"].is_null()) continue;
    EXPECT_EQ(j["data"][k]["object"], "embedding");
    EXPECT_EQ(j["data"][k]["index"], k);
    EXPECT_LT(max_abs_diff(j["data"][k]["embedding"], g.expected["embed_mean_normalized"]), 1e-4);
    ++k;
  }
  // A single string, and the model name defaulting to --model.
  r = post("/v1/embeddings", json({{"input", gold[0].text}}).dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  j = json::parse(r->body);
  EXPECT_EQ(j["model"], "tiny-bert");
  ASSERT_EQ(j["data"].size(), 1u);
}

TEST_F(ServerApi, TooLongInputIs413UnlessTruncated) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "house ";
  expect_error("/embed", json({{"inputs", {"short", text}}}).dump(), 413, "validation",
               "inputs[1] has 202 tokens");
  expect_error("/v1/embeddings", json({{"input", text}}).dump(), 413, "validation", "input[0]");
  auto r = post("/embed", json({{"inputs", text}, {"truncate", true}}).dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(ServerApi, MalformedBodiesAre400NamingTheField) {
  const std::string e = "/embed";
  expect_error(e, "{\"inputs\": [\"a\"", 400, "validation", "not valid JSON");
  expect_error(e, "", 400, "validation", "not valid JSON");
  expect_error(e, "[\"a\"]", 400, "validation", "JSON object");
  expect_error(e, "{}", 400, "validation", "missing field 'inputs'");
  expect_error(e, "{\"inputs\": null}", 400, "validation", "missing field 'inputs'");
  expect_error(e, "{\"inputs\": 3}", 400, "validation", "'inputs' must be a string or an array");
  expect_error(e, "{\"inputs\": {\"a\": 1}}", 400, "validation", "'inputs' must be");
  expect_error(e, "{\"inputs\": [\"a\", 2]}", 400, "validation", "'inputs[1]' must be a string");
  expect_error(e, "{\"inputs\": [[\"a\"]]}", 400, "validation", "'inputs[0]' must be a string");
  expect_error(e, "{\"inputs\": []}", 400, "empty", "'inputs' is empty");
  expect_error(e, "{\"inputs\": \"a\", \"normalize\": \"yes\"}", 400, "validation",
               "'normalize' must be a boolean");
  expect_error(e, "{\"inputs\": \"a\", \"truncate\": 1}", 400, "validation",
               "'truncate' must be a boolean");
  expect_error(e, "{\"inputs\": \"\xff\xfe\"}", 400, "validation", "UTF-8");
  expect_error(e, "{\"inputs\": \"\\ud800\"}", 400, "validation", "not valid JSON");
  expect_error(e, std::string(100, '[') + std::string(100, ']'), 400, "validation",
               "nested deeper");
  const std::string o = "/v1/embeddings";
  expect_error(o, "{\"inputs\": \"a\"}", 400, "validation", "missing field 'input'");
  expect_error(o, "{\"input\": [[1, 2]]}", 400, "validation", "'input[0]' must be a string");
  expect_error(o, "{\"input\": \"a\", \"model\": 5}", 400, "validation", "'model' must be");
  expect_error(o, "{\"input\": \"a\", \"encoding_format\": \"base64\"}", 400, "validation",
               "encoding_format");
}

TEST_F(ServerApi, SizeLimitsAre413) {
  json many = json::array();
  for (int i = 0; i < 9; ++i) many.push_back("a");
  expect_error("/embed", json({{"inputs", many}}).dump(), 413, "validation", "9 inputs");
  expect_error("/embed", "{\"inputs\": \"" + std::string(70 * 1024, 'a') + "\"}", 413, "validation",
               "larger than");
  // The server still serves after a refused oversized body.
  auto r = post("/embed", "{\"inputs\": \"a\"}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerApi, MissingHeadsAndUnknownPathsAre404) {
  expect_error("/predict", "{\"inputs\": \"a\"}", 404, "not_found", "sequence-classification");
  expect_error("/ner", "{\"inputs\": \"a\"}", 404, "not_found", "token-classification");
  expect_error("/qa", "{}", 404, "not_found", "question-answering");
  expect_error("/fill-mask", "{}", 404, "not_found", "masked-language-model");
  expect_error("/nope", "{}", 404, "not_found", "POST /nope");
  auto r = srv_.client()->Get("/embed");  // a known path, another method: 405 with Allow
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "POST");
}

TEST_F(ServerApi, HealthInfoAndMetrics) {
  auto c = srv_.client();
  auto h = c->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(json::parse(h->body)["status"], "ok");

  auto i = c->Get("/info");
  ASSERT_TRUE(i);
  ASSERT_EQ(i->status, 200);
  json info = json::parse(i->body);
  EXPECT_EQ(info["hidden_size"], 32);
  EXPECT_EQ(info["num_hidden_layers"], 2);
  EXPECT_EQ(info["architecture"], "BertModel");
  EXPECT_EQ(info["dtype"], "fp32");
  EXPECT_EQ(info["max_input_length"], 128);
  EXPECT_EQ(info["pooling"], "mean");
  EXPECT_EQ(info["normalize"], true);
  EXPECT_EQ(info["model_path"], test_data("tiny-bert"));
  EXPECT_NE(info["version"].get<std::string>().find("isa: "), std::string::npos);

  ASSERT_EQ(post("/embed", "{\"inputs\": [\"a\", \"b c\"]}")->status, 200);
  ASSERT_EQ(post("/embed", "{}")->status, 400);
  // cpp-httplib records a request (its logger) just after sending the answer: wait for both.
  int status = 0;
  std::string t, content_type;
  for (int i = 0; i < 200; ++i) {
    auto m = c->Get("/metrics");
    ASSERT_TRUE(m);
    status = m->status;
    t = m->body;
    content_type = m->get_header_value("Content-Type");
    if (metric(t, "lightbert_request_duration_seconds_count{endpoint=\"/embed\"}") == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(status, 200);
  EXPECT_NE(content_type.find("text/plain"), std::string::npos);
  EXPECT_EQ(metric(t, "lightbert_requests_total{endpoint=\"/embed\",status=\"200\"}"), 1);
  EXPECT_EQ(metric(t, "lightbert_requests_total{endpoint=\"/embed\",status=\"400\"}"), 1);
  EXPECT_EQ(metric(t, "lightbert_request_duration_seconds_count{endpoint=\"/embed\"}"), 2);
  EXPECT_EQ(metric(t, "lightbert_request_duration_seconds_bucket{endpoint=\"/embed\",le=\"+Inf\"}"),
            2);
  EXPECT_EQ(metric(t, "lightbert_sequences_total"), 2);
  EXPECT_EQ(metric(t, "lightbert_tokens_total"), 3 + 4);  // [CLS] a [SEP], [CLS] b c [SEP]
  EXPECT_EQ(metric(t, "lightbert_batch_sequences_count"), 1);
  EXPECT_EQ(metric(t, "lightbert_batch_tokens_sum"), 7);
  EXPECT_EQ(metric(t, "lightbert_queue_depth"), 0);
  // Every non-comment line is "name{labels} value" or "name value" with a number.
  std::istringstream in(t);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.rfind(' ');
    ASSERT_NE(sp, std::string::npos) << line;
    EXPECT_NO_THROW((void)std::stod(line.substr(sp + 1))) << line;
  }
}

TEST_F(ServerApi, SlowClientsAreTimedOutWhileOthersAreServed) {
  // Three clients send part of their headers and stall; one sends its body slowly.
  std::vector<int> slow;
  for (int i = 0; i < 3; ++i) {
    int fd = connect_local(srv_.port);
    ASSERT_GE(fd, 0);
    const std::string part = "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Len";
    ::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  // Normal requests are answered meanwhile.
  for (int i = 0; i < 5; ++i) {
    auto r = post("/embed", "{\"inputs\": \"a\"}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // The stalled ones are dropped after the 1 s read timeout (bounded wait: 8 s).
  for (int fd : slow) {
    bool closed = false;
    read_until_close(fd, 8000, &closed);
    EXPECT_TRUE(closed);
    ::close(fd);
  }
  // A client trickling a byte every 0.5 s is cut by the 3 s request deadline.
  int fd = connect_local(srv_.port);
  ASSERT_GE(fd, 0);
  const std::string req = post_bytes("/embed", "{\"inputs\": \"" + std::string(40, 'a') + "\"}");
  const auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  for (size_t i = 0; i < req.size() && !closed; ++i) {
    if (::send(fd, &req[i], 1, MSG_NOSIGNAL) != 1) break;
    read_until_close(fd, 500, &closed);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  ::close(fd);
}

TEST_F(ServerApi, RawHttpOddities) {
  // A POST without Content-Length, and garbage instead of HTTP: answered 4xx, not a crash.
  std::string r = raw_request(srv_.port, "POST /embed HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(r.find("HTTP/1.1 4"), std::string::npos) << r;
  r = raw_request(srv_.port, "\x01\x02garbage\r\n\r\n");
  EXPECT_EQ(r.find("HTTP/1.1 2"), std::string::npos) << r;
  // A client that sends a request and leaves at once: the server keeps serving.
  int fd = connect_local(srv_.port);
  const std::string req = post_bytes("/embed", "{\"inputs\": \"a\"}");
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  ::close(fd);
  auto ok = post("/embed", "{\"inputs\": \"a\"}");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

}  // namespace
}  // namespace lightbert::testing
