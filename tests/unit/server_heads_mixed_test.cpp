// tests/unit/server_heads_mixed_test.cpp: task-head requests share the server's encoder batches
// with each other and with /embed (issue 14 item 3).
// Contract: on one folder with three heads (cls-single + qa + mlm over tiny-bert's encoder) and on
// ner-bio (whose classifier.* clashes with cls-single's), every golden request of the heads there
// and /embed's golden texts, answered one at a time, match the PyTorch goldens (scores within
// 1e-4); the same requests from 8 concurrent clients, each in its own shuffled order, with a
// batch delay so that they queue, get the answers they got one at a time (numbers within 1e-5,
// all else identical), and the batches did merge requests (more sequences than batches). Both
// also with --max-batch-tokens 128 and each endpoint's requests sent as listed ones too (per
// options, every input 4 times: more than 128 tokens, so split across batches; a /qa list's
// windows as well), whose answers must be the goldens in order.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "unit/server_heads_util.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

struct Request {
  std::string path;
  json body, want;  // want: the golden answer
  double tol = 1e-4;
};

std::vector<Request> embed_requests() {
  std::istringstream in(read_file(test_data("tiny-bert/golden/cli_inputs.jsonl")));
  std::istringstream exp(read_file(test_data("tiny-bert/golden/cli_expected.jsonl")));
  std::vector<Request> out;
  for (std::string a, b; std::getline(in, a) && std::getline(exp, b);) {
    if (a.empty()) continue;
    const json j = json::parse(a);
    if (j.contains("text_pair")) continue;
    out.push_back({"/embed",
                   {{"inputs", j["text"]}, {"truncate", true}},
                   json::array({json::parse(b)["embed_mean_normalized"]})});
  }
  return out;
}

std::vector<Request> head_requests(const std::string& head) {
  std::vector<Request> out;
  for (const json& g : head_golden(head)) {
    if (head == "cls-single") {
      const json& in = g["input"];
      const json x =
          in.contains("text_pair") ? json::array({in["text"], in["text_pair"]}) : in["text"];
      out.push_back({"/predict", {{"inputs", json::array({x})}}, json::array({g["output"]})});
    } else if (head == "qa") {
      json body = g["options"];
      body["question"] = g["input"]["question"];
      body["context"] = g["input"]["context"];
      out.push_back({"/qa", body, g["options"].contains("top_k") ? g["output"] : g["output"][0]});
    } else if (head == "mlm") {
      out.push_back(
          {"/fill-mask", {{"inputs", g["input"]["text"]}, {"top_k", g["top_k"]}}, g["output"]});
    } else {  // ner-bio
      for (const std::string strat : {"simple", "first", "none"}) {
        out.push_back(
            {"/ner",
             {{"inputs", json::array({g["input"]["text"]})}, {"aggregation_strategy", strat}},
             json::array({g["output"][strat]})});
      }
    }
  }
  return out;
}

// The requests of each endpoint and options as listed ones, each input `reps` times: one request
// per (path, options), inputs and answers concatenated in order.
std::vector<Request> listed(const std::vector<Request>& singles, int reps) {
  std::map<std::string, Request> groups;  // key: path + the body without its inputs
  std::vector<std::string> order;
  for (int rep = 0; rep < reps; ++rep) {
    for (const Request& r : singles) {
      json options = r.body;
      json input;
      if (r.path == "/qa") {
        input = {{"question", r.body["question"]}, {"context", r.body["context"]}};
        options.erase("question");
        options.erase("context");
      } else {
        input = r.body["inputs"];
        options.erase("inputs");
      }
      const bool one = r.path == "/qa" || r.path == "/fill-mask";  // single input, single answer
      const std::string key = r.path + options.dump();
      auto [it, fresh] = groups.try_emplace(key, Request{r.path, options, json::array(), r.tol});
      if (fresh) {
        it->second.body["inputs"] = json::array();
        order.push_back(key);
      }
      if (one) {
        it->second.body["inputs"].push_back(input);
        it->second.want.push_back(r.want);
      } else {
        for (const json& x : input) it->second.body["inputs"].push_back(x);
        for (const json& w : r.want) it->second.want.push_back(w);
      }
    }
  }
  std::vector<Request> out;
  for (const std::string& k : order) out.push_back(groups.at(k));
  return out;
}

// One at a time against the goldens, then concurrently against the one-at-a-time answers.
void check_mixed(const std::string& model, const std::vector<std::string>& heads,
                 const std::vector<std::string>& args, int listed_reps = 0) {
  HeadServer s(model, args);
  ASSERT_GT(s.port, 0) << s.process.stderr_text();
  std::vector<Request> requests = embed_requests();
  for (const std::string& h : heads) {
    for (Request& r : head_requests(h)) requests.push_back(std::move(r));
  }
  if (listed_reps > 0) {  // also each head's requests as listed ones, larger than a batch
    for (const std::string& h : heads) {
      for (Request& r : listed(head_requests(h), listed_reps)) requests.push_back(std::move(r));
    }
  }
  std::vector<json> alone(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const Answer a = s.post_json(requests[i].path, requests[i].body);
    ASSERT_EQ(a.status, 200) << requests[i].path << " " << a.body;
    alone[i] = a.json();
    expect_json_near(alone[i], requests[i].want, requests[i].path + " " + requests[i].body.dump(),
                     requests[i].tol);
  }
  const std::string before = s.get("/metrics").body;
  constexpr int kClients = 8;
  std::atomic<int> bad{0}, done{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::vector<size_t> order(requests.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(c));
      for (size_t i : order) {
        const Answer a = s.post_json(requests[i].path, requests[i].body);
        if (a.status != 200) {
          ++bad;
          ADD_FAILURE() << requests[i].path << " " << a.status << " " << a.body;
        } else {
          expect_json_near(a.json(), alone[i],
                           "concurrent " + requests[i].path + " " + requests[i].body.dump(), 1e-5);
        }
        ++done;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(done.load(), kClients * static_cast<int>(requests.size()));
  EXPECT_EQ(bad.load(), 0);
  const std::string after = s.get("/metrics").body;
  const double batches = metric(after, "lightbert_batch_sequences_count") -
                         metric(before, "lightbert_batch_sequences_count");
  const double sequences = metric(after, "lightbert_batch_sequences_sum") -
                           metric(before, "lightbert_batch_sequences_sum");
  EXPECT_GT(batches, 0);
  EXPECT_GT(sequences, batches) << "no batch merged requests";
}

TEST(ServerHeadsMixed, ConcurrentHeadAndEmbedRequestsShareBatchesWithTheSameAnswers) {
  check_mixed("cls-single+qa+mlm", {"cls-single", "qa", "mlm"}, {"--debug-batch-delay-ms", "20"});
  check_mixed("ner-bio", {"ner-bio"}, {"--debug-batch-delay-ms", "20"});
}

TEST(ServerHeadsMixed, SmallBatchesSplitRequestsWithTheSameAnswers) {
  // 128: the smallest the server takes (the model's maximum input length).
  const std::vector<std::string> args = {"--max-batch-tokens", "128", "--debug-batch-delay-ms",
                                         "5"};
  check_mixed("cls-single+qa+mlm", {"cls-single", "qa", "mlm"}, args, 4);
  check_mixed("ner-bio", {"ner-bio"}, args, 4);
}

}  // namespace
}  // namespace lightbert::testing
