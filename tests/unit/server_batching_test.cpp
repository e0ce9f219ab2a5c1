// tests/unit/server_batching_test.cpp: the server's dynamic batching under concurrency, in
// process on 127.0.0.1: 16 clients x 20 requests each get exactly their own embeddings (checked
// against lightbert::Model run on each text alone), batches do merge requests (metrics), a full
// queue answers 429 with Retry-After, a client that leaves has its queued work dropped, and a
// request larger than --max-batch-tokens is split across batches with the right answers, and a
// job that runs alone (a task head) runs between batches in queue order, or not at all once
// cancelled; task-head inputs are chunked by --max-batch-tokens.
// Timing only sets up overlap (debug batch delay); assertions are on answers and counters.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "lightbert/error.h"
#include "lightbert/model.h"
#include "server/batcher.h"
#include "server/head_job.h"
#include "unit/server_test_util.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

const char* const kWords[] = {"house", "people", "war", "city", "time",  "place", "came",
                              "back",  "long",   "the", "of",   "about", "where", "went"};

std::string text_for(int client, int i) {
  std::string t;
  const int n = 1 + (client * 7 + i * 3) % 12;
  for (int k = 0; k < n; ++k) {
    if (k) t += ' ';
    t += kWords[(client * 31 + i * 17 + k * 5) % 14];
  }
  return t + " " + std::to_string(client) + " " + std::to_string(i);
}

std::vector<float> expected_embedding(Model& model, const std::string& text) {
  EmbeddingOptions eo;
  eo.normalize = true;
  return model.embed({{text, std::nullopt}}, eo, /*truncate=*/true)[0];
}

double diff(const json& got, const std::vector<float>& want) {
  if (!got.is_array() || got.size() != want.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < want.size(); ++i)
    m = std::max(m, std::fabs(got[i].get<double>() - want[i]));
  return m;
}

TEST(ServerBatching, ConcurrentClientsGetTheirOwnAnswersAndBatchesMerge) {
  constexpr int kClients = 16, kRequests = 20;
  auto model = Model::load(test_data("tiny-bert"));
  std::vector<std::vector<std::vector<float>>> want(kClients);
  for (int c = 0; c < kClients; ++c) {
    for (int i = 0; i < kRequests; ++i)
      want[c].push_back(expected_embedding(*model, text_for(c, i)));
  }
  InProcessServer srv;
  srv.options.debug_batch_delay_ms = 2;  // lets requests pile up behind a running batch
  ASSERT_GT(srv.start(), 0);
  std::atomic<int> ok{0}, wrong{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto cli = srv.client();
      for (int i = 0; i < kRequests; ++i) {
        const bool openai = (c + i) % 3 == 0;
        auto r = openai ? cli->Post("/v1/embeddings", json({{"input", text_for(c, i)}}).dump(),
                                    "application/json")
                        : cli->Post("/embed", json({{"inputs", {text_for(c, i)}}}).dump(),
                                    "application/json");
        if (!r || r->status != 200) {
          ++failed;
          continue;
        }
        json j = json::parse(r->body);
        const json& v = openai ? j["data"][0]["embedding"] : j[0];
        (diff(v, want[c][i]) < 1e-4 ? ok : wrong)++;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(ok.load(), kClients * kRequests);

  auto m = srv.client()->Get("/metrics");
  ASSERT_TRUE(m);
  const double batches = metric(m->body, "lightbert_batch_sequences_count");
  const double singles = metric(m->body, "lightbert_batch_sequences_bucket{le=\"1\"}");
  EXPECT_EQ(metric(m->body, "lightbert_sequences_total"), kClients * kRequests);
  EXPECT_LT(batches, kClients * kRequests) << "no two requests were ever merged";
  EXPECT_LT(singles, batches) << "no batch held more than one sequence";
}

TEST(ServerBatching, FullQueueIs429WithRetryAfter) {
  InProcessServer srv;
  srv.options.max_queue = 1;
  srv.options.debug_batch_delay_ms = 1500;  // the six clients must arrive while the first runs
  ASSERT_GT(srv.start(), 0);
  constexpr int kClients = 6;
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      auto r = srv.client()->Post("/embed", "{\"inputs\": \"the house\"}", "application/json");
      if (r && r->status == 200) {
        ++ok;
      } else if (r && r->status == 429 && r->get_header_value("Retry-After") == "1" &&
                 json::parse(r->body).value("error_type", "") == "overloaded") {
        ++busy;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(busy.load(), 1);
  auto m = srv.client()->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(metric(m->body, "lightbert_rejected_requests_total"), busy.load());
  EXPECT_EQ(metric(m->body, "lightbert_requests_total{endpoint=\"/embed\",status=\"429\"}"),
            busy.load());
}

TEST(ServerBatching, ClientThatLeavesHasItsQueuedWorkDropped) {
  InProcessServer srv;
  srv.options.debug_batch_delay_ms = 1500;
  ASSERT_GT(srv.start(), 0);
  // A occupies the batcher for 1.5 s; B queues behind it and its client leaves at once.
  std::thread a([&] {
    auto r = srv.client()->Post("/embed", "{\"inputs\": \"a\"}", "application/json");
    EXPECT_TRUE(r && r->status == 200);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int fd = connect_local(srv.port);
  ASSERT_GE(fd, 0);
  const std::string req = post_bytes("/embed", "{\"inputs\": [\"b\", \"c\"]}");
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::close(fd);
  a.join();
  // Bounded wait for the batcher to pass over B.
  double cancelled = 0;
  std::string text;
  for (int i = 0; i < 100 && cancelled < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    text = srv.client()->Get("/metrics")->body;
    cancelled = metric(text, "lightbert_cancelled_requests_total");
  }
  EXPECT_EQ(cancelled, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  text = srv.client()->Get("/metrics")->body;
  EXPECT_EQ(metric(text, "lightbert_sequences_total"), 1) << "B's sequences were run";
  EXPECT_EQ(metric(text, "lightbert_queue_depth"), 0);
}

TEST(ServerBatching, RequestLargerThanABatchIsSplit) {
  auto model = Model::load(test_data("tiny-bert"));
  InProcessServer srv;
  srv.options.max_batch_tokens = 128;  // the model's max input length
  srv.options.max_client_batch = 64;
  ASSERT_GT(srv.start(), 0);
  json inputs = json::array();
  std::vector<std::vector<float>> want;
  for (int i = 0; i < 24; ++i) {
    std::string t;
    for (int k = 0; k < 20 + i; ++k) t += std::string(kWords[(i + k) % 14]) + " ";
    inputs.push_back(t);
    want.push_back(expected_embedding(*model, t));
  }
  auto r = srv.client()->Post("/embed", json({{"inputs", inputs}}).dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  ASSERT_EQ(j.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_LT(diff(j[i], want[i]), 1e-4) << i;
  const std::string m = srv.client()->Get("/metrics")->body;
  const double batches = metric(m, "lightbert_batch_tokens_count");
  EXPECT_GE(batches, 24 * 22 / 128);
  EXPECT_LE(metric(m, "lightbert_batch_tokens_sum"), batches * 128);
  EXPECT_EQ(metric(m, "lightbert_batch_tokens_bucket{le=\"256\"}"), batches);
}

// Logs "E<name>" when the batcher hands it its encoder rows.
class LoggingJob : public server::BatchJob {
 public:
  LoggingJob(std::vector<server::Sequence> s, std::string name, std::vector<std::string>& log,
             std::mutex& mu)
      : BatchJob(std::move(s)), name_(std::move(name)), log_(log), mu_(mu) {}
  void consume(const EncoderOutput&, size_t, size_t, size_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back("E" + name_);
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  std::mutex& mu_;
};

// Waits until the batcher has taken every queued job (a fixed sleep was not enough on a loaded
// machine: the next jobs then queued with the first and merged with it).
void wait_until_taken(const server::Batcher& b) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (b.queue_depth() > 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(b.queue_depth(), 0u);
}

TEST(ServerBatching, JobsThatRunAloneRunBetweenBatchesInQueueOrder) {
  auto model = Model::load(test_data("tiny-bert"));
  const Encoding e = model->tokenizer().encode("the house", {});
  std::vector<std::string> log;
  std::mutex mu;
  auto embed = [&](const std::string& name) {
    return std::make_shared<LoggingJob>(
        std::vector<server::Sequence>{{e.input_ids, e.token_type_ids}}, name, log, mu);
  };
  auto head = [&](const std::string& name) {
    return std::make_shared<server::HeadJob>([&, name] {
      std::lock_guard<std::mutex> lock(mu);
      log.push_back("H" + name);
    });
  };
  server::Batcher::Options bo;
  bo.debug_delay_ms = 300;  // each batch or alone job sleeps first
  server::Batcher b(model->encoder(), bo, nullptr);
  std::vector<std::shared_ptr<server::BatchJob>> jobs = {embed("1"), embed("2"), head("1"),
                                                         embed("3"), head("2"),  head("3")};
  ASSERT_EQ(b.submit(jobs[0]), server::Batcher::Submit::kQueued);
  wait_until_taken(b);  // E1 is running (sleeping its debug delay)
  for (size_t i = 1; i < jobs.size(); ++i) {
    ASSERT_EQ(b.submit(jobs[i]), server::Batcher::Submit::kQueued);
  }
  jobs[5]->cancel();  // H3's client left before it ran
  for (auto& j : jobs) ASSERT_TRUE(j->wait_for(std::chrono::seconds(30)));
  b.stop();
  // E2 is not merged with E3 across H1; H3 never ran.
  EXPECT_EQ(log, (std::vector<std::string>{"E1", "E2", "H1", "E3", "H2"}));
  EXPECT_EQ(jobs[2]->state(), server::BatchJob::State::kDone);
  EXPECT_EQ(jobs[5]->state(), server::BatchJob::State::kCancelled);
}

// Head jobs of one key queued together run as one call; a bad input fails only its own job.
TEST(ServerBatching, HeadJobsWithTheSameKeyMergeAndFailAlone) {
  auto model = Model::load(test_data("tiny-bert"));
  std::mutex mu;
  std::vector<std::string> calls;  // per call: its inputs joined by '+'
  using Job = server::InputsJob<size_t>;
  auto job = [&](const std::string& key, std::vector<std::string> texts) {
    std::vector<TextInput> in;
    for (auto& t : texts) in.push_back({t, std::nullopt});
    std::vector<size_t> counts(in.size(), 10);
    return std::make_shared<Job>(key, in, counts, 128, [&](const std::vector<TextInput>& part) {
      std::string joined;
      std::vector<size_t> out;
      for (size_t i = 0; i < part.size(); ++i) {
        joined += (i ? "+" : "") + part[i].text;
        if (part[i].text == "bad") {
          std::lock_guard<std::mutex> lock(mu);
          calls.push_back(joined);
          throw lightbert::Error(ErrorCode::kInvalidArgument,
                                 "input " + std::to_string(i) + ": bad");
        }
        out.push_back(part[i].text.size());
      }
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back(joined);
      return out;
    });
  };
  server::Batcher::Options bo;
  bo.debug_delay_ms = 300;
  bo.max_batch_tokens = 128;  // a merged group's limit, as the jobs' chunks
  server::Batcher b(model->encoder(), bo, nullptr);
  std::vector<std::shared_ptr<Job>> jobs = {
      job("a", {"x"}),  job("a", {"yy", "zzz"}), job("a", {"bad"}),
      job("b", {"b1"}), job("a", {"after b"}),   job("a", std::vector<std::string>(12, "t"))};
  ASSERT_EQ(b.submit(jobs[0]), server::Batcher::Submit::kQueued);
  wait_until_taken(b);  // job 0 is running
  for (size_t i = 1; i < jobs.size(); ++i) {
    ASSERT_EQ(b.submit(jobs[i]), server::Batcher::Submit::kQueued);
  }
  for (auto& j : jobs) ASSERT_TRUE(j->wait_for(std::chrono::seconds(30)));
  b.stop();
  // Jobs 1 and 2 merge, fail on "bad", then run alone; key b does not merge with a; job 5's 120
  // tokens do not fit with job 4's 10 in 128.
  EXPECT_EQ(calls, (std::vector<std::string>{"x", "yy+zzz+bad", "yy+zzz", "bad", "b1", "after b",
                                             "t+t+t+t+t+t+t+t+t+t+t+t"}));
  EXPECT_EQ(jobs[1]->results(), (std::vector<size_t>{2, 3}));
  EXPECT_TRUE(jobs[1]->failure() == nullptr);
  ASSERT_TRUE(jobs[2]->failure() != nullptr);
  EXPECT_EQ(jobs[4]->results(), (std::vector<size_t>{7}));
  EXPECT_EQ(jobs[5]->results().size(), 12u);
}

TEST(ServerBatching, HeadInputsAreChunkedByTokens) {
  auto ranges = [](const std::vector<server::Chunk>& cs) {
    std::vector<std::pair<size_t, size_t>> out;
    for (const auto& c : cs) out.emplace_back(c.begin, c.end);
    return out;
  };
  using R = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(ranges(server::chunk_inputs({50, 50, 50, 200, 10, 118}, 128)),
            (R{{0, 2}, {2, 3}, {3, 4}, {4, 6}}));
  EXPECT_EQ(ranges(server::chunk_inputs({128, 1}, 128)), (R{{0, 1}, {1, 2}}));
  EXPECT_TRUE(server::chunk_inputs({}, 128).empty());
  // Errors of a later chunk name the request's index.
  try {
    server::for_each_chunk({{0, 2}, {2, 5}}, [](const server::Chunk& c) {
      if (c.begin == 2)
        throw lightbert::Error(ErrorCode::kInvalidArgument, "input 1: no mask token");
    });
    FAIL() << "no error";
  } catch (const lightbert::Error& e) {
    EXPECT_EQ(std::string(e.what()), "input 3: no mask token");
    EXPECT_EQ(server::name_input(e.what(), "inputs"), "inputs[3]: no mask token");
  }
}

}  // namespace
}  // namespace lightbert::testing
