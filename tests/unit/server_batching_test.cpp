// tests/unit/server_batching_test.cpp: the server's dynamic batching under concurrency, in
// process on 127.0.0.1: 16 clients x 20 requests each get exactly their own embeddings (checked
// against lightbert::Model run on each text alone), batches do merge requests (metrics), a full
// queue answers 429 with Retry-After, a client that leaves has its queued work dropped, and a
// request larger than --max-batch-tokens is split across batches with the right answers, and
// task-head jobs share batches with embedding jobs (split the same way, each getting its own
// rows; not run at all once cancelled).
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

// Head jobs are sequences like the embeddings': queued head and embedding jobs merge into one
// batch in FIFO order; a head job larger than max_batch_tokens is split across batches, and its
// rows callback gets exactly its own sequences' rows (the same as each sequence run alone); a
// cancelled head job never runs; a job without sequences is done at once.
TEST(ServerBatching, HeadJobsShareBatchesWithEmbeddingsAndSplit) {
  auto model = Model::load(test_data("tiny-bert"));
  auto seq = [&](int words) {
    std::string t;
    for (int k = 0; k < words; ++k) t += std::string(kWords[k % 14]) + " ";
    const Encoding e = model->tokenizer().encode(t, {});
    return server::Sequence{e.input_ids, e.token_type_ids};
  };
  // The first token's state of `s` run alone.
  auto alone = [&](const server::Sequence& s) {
    SequenceBatch batch;
    batch.add(s.ids, s.types);
    EncoderOutput out;
    model->encoder().forward(batch, out);
    return std::vector<float>(out.token(0, 0), out.token(0, 0) + out.hidden_size);
  };
  std::vector<std::string> log;
  std::mutex mu;
  double worst = 0;
  auto head = [&](const std::string& name, std::vector<server::Sequence> seqs) {
    auto want = std::make_shared<std::vector<std::vector<float>>>();
    for (const auto& s : seqs) want->push_back(alone(s));
    return std::make_shared<server::HeadJob>(
        std::move(seqs), [&, name, want](const EncoderOutput& out, size_t out_first, size_t begin,
                                         size_t count) {
          std::lock_guard<std::mutex> lock(mu);
          log.push_back("H" + name + ":" + std::to_string(begin) + "+" + std::to_string(count) +
                        "/" + std::to_string(out.row_offsets.size() - 1));
          for (size_t k = 0; k < count; ++k) {
            const float* row = out.token(out_first + k, 0);
            for (int j = 0; j < out.hidden_size; ++j)
              worst = std::max(worst, std::fabs(double(row[j]) - (*want)[begin + k][j]));
          }
        });
  };
  auto embed = [&](const std::string& name) {
    return std::make_shared<LoggingJob>(std::vector<server::Sequence>{seq(2)}, name, log, mu);
  };
  server::Batcher::Options bo;
  bo.debug_delay_ms = 300;   // each batch sleeps first
  bo.max_batch_tokens = 56;  // two sequences of 30 tokens never share a batch
  server::Batcher b(model->encoder(), bo, nullptr);
  std::vector<std::shared_ptr<server::BatchJob>> jobs = {
      embed("1"), embed("2"), head("1", {seq(3), seq(5)}), embed("3"),
      head("2", {seq(28), seq(28), seq(28)}), head("3", {seq(4)}), embed("4")};
  ASSERT_EQ(b.submit(jobs[0]), server::Batcher::Submit::kQueued);
  wait_until_taken(b);  // E1 is running (sleeping its debug delay)
  for (size_t i = 1; i < jobs.size(); ++i) {
    ASSERT_EQ(b.submit(jobs[i]), server::Batcher::Submit::kQueued);
  }
  jobs[5]->cancel();  // H3's client left before it ran
  auto empty = head("0", {});
  ASSERT_EQ(b.submit(empty), server::Batcher::Submit::kQueued);
  EXPECT_EQ(empty->state(), server::BatchJob::State::kDone);
  for (auto& j : jobs) ASSERT_TRUE(j->wait_for(std::chrono::seconds(30)));
  b.stop();
  // E2, H1 (both sequences), E3 and H2's first sequence fill one batch of 5 sequences; H2's
  // other two make the next two batches (30 + 30 > 56); H3 never ran; E4 joins H2's last one.
  EXPECT_EQ(log, (std::vector<std::string>{"E1", "E2", "H1:0+2/5", "E3", "H2:0+1/5", "H2:1+1/1",
                                           "H2:2+1/2", "E4"}));
  EXPECT_LT(worst, 1e-4);
  for (size_t i : {0, 1, 2, 3, 4, 6}) EXPECT_EQ(jobs[i]->state(), server::BatchJob::State::kDone);
  EXPECT_EQ(jobs[5]->state(), server::BatchJob::State::kCancelled);
}

}  // namespace
}  // namespace lightbert::testing
