// tests/unit/cli_bench_test.cpp: `lightbert bench` as a user runs it: every argument error is
// one line on stderr with exit 1; --json carries the documented fields, consistent with each
// other and with an independent FLOP count from the model's config (speed is never asserted).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "kernels/kernels.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

const std::string kModel = test_data("tiny-bert");

void expect_one_line_error(const CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
}

// bertlib.encoder_flops, written out for tiny-bert (hidden 32, intermediate 64, 2 layers).
double tiny_flops(const std::vector<int>& lengths) {
  double total = 0;
  for (int n : lengths) {
    total += 2 * (2.0 * n * (4 * 32 * 32 + 2 * 32 * 64) + 4.0 * n * n * 32) + 2 * 32 * 32;
  }
  return total;
}

json bench_json(const std::string& args) {
  CliResult r = run_cli("bench --model " + kModel + " --peak-gflops 100 --json " + args, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = r.out_lines();
  EXPECT_EQ(lines.size(), 1u) << r.out;
  return lines.empty() ? json() : json::parse(lines[0]);
}

void expect_consistent(const json& j, int sequences, const std::vector<int>& lengths, int threads) {
  for (const char* key : {"median_ms", "min_ms", "max_ms", "seqs_per_s", "tokens_per_s", "gflops",
                          "peak_rss_mb", "isa", "threads", "pct_of_peak", "other_cpu_frac",
                          "fork_join_us"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  int tokens = 0;
  for (int n : lengths) tokens += n;
  EXPECT_EQ(j["sequences"].get<int>(), sequences);
  EXPECT_EQ(j["tokens"].get<int>(), tokens);
  EXPECT_EQ(j["threads"].get<int>(), threads);
  const double med = j["median_ms"].get<double>();
  EXPECT_GT(j["min_ms"].get<double>(), 0.0);
  EXPECT_LE(j["min_ms"].get<double>(), med);
  EXPECT_LE(med, j["max_ms"].get<double>());
  EXPECT_NEAR(j["seqs_per_s"].get<double>(), sequences / (med * 1e-3), 1e-6 * sequences / med * 1e3);
  EXPECT_NEAR(j["tokens_per_s"].get<double>(), tokens / (med * 1e-3), 1e-6 * tokens / med * 1e3);
  const double gflops = tiny_flops(lengths) / (med * 1e-3) * 1e-9;
  EXPECT_NEAR(j["gflops"].get<double>(), gflops, 1e-9 + 1e-6 * gflops);
  EXPECT_NEAR(j["pct_of_peak"].get<double>(), gflops, 1e-9 + 1e-6 * gflops);  // peak 100
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 1.0);
  const std::string isa = j["isa"].get<std::string>();
  const auto& names = kernels::kernel_variant_names();
  EXPECT_NE(std::find(names.begin(), names.end(), isa), names.end()) << isa;
}

TEST(CliBench, JsonFieldsForFixedShape) {
  json j = bench_json("--batch 2 --seq 8 --runs 3 --warmup 1 --threads 1");
  expect_consistent(j, 2, {8, 8}, 1);
  EXPECT_EQ(j["runs"].get<int>(), 3);
}

TEST(CliBench, JsonFieldsForRaggedLengths) {
  json j = bench_json("--lengths 3,17,9 --runs 2 --warmup 0 --threads 2");
  expect_consistent(j, 3, {3, 17, 9}, 2);
}

TEST(CliBench, MeasuresThePeakAndFollowsLightbertIsa) {
  CliResult r = run_cli("bench --model " + kModel + " --batch 1 --seq 4 --runs 1 --json", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out_lines().at(0));
  EXPECT_GT(j["peak_gflops"].get<double>(), 0.0);
  EXPECT_TRUE(j["peak_measured"].get<bool>());
  ::setenv("LIGHTBERT_ISA", "generic", 1);
  CliResult g = run_cli("bench --model " + kModel + " --batch 1 --seq 4 --runs 1 --json", "");
  ::unsetenv("LIGHTBERT_ISA");
  ASSERT_EQ(g.exit_code, 0) << g.err;
  json jg = json::parse(g.out_lines().at(0));
  EXPECT_EQ(jg["isa"].get<std::string>(), "generic");
  EXPECT_GT(jg["peak_gflops"].get<double>(), 0.0);
}

TEST(CliBench, CaseFromCasesJsonUsesOnlyTheRealTokens) {
  const std::string dir = make_temp_dir("bench_cases");
  // Two rows padded to 6; the padding ids (0) must not be run.
  json cases = json::array({json{{"name", "other"}, {"lengths", {1}}, {"seq_len", 1},
                                 {"batch", 1}, {"input_ids", {101}}},
                            json{{"name", "mine"},
                                 {"lengths", {6, 2}},
                                 {"seq_len", 6},
                                 {"batch", 2},
                                 {"input_ids", {101, 5, 6, 7, 8, 102, 101, 102, 0, 0, 0, 0}},
                                 {"token_type_ids", std::vector<int>(12, 0)}}});
  write_file(dir + "/cases.json", cases.dump());
  json j = bench_json("--cases " + dir + "/cases.json --case mine --runs 2 --threads 1");
  expect_consistent(j, 2, {6, 2}, 1);
  expect_one_line_error(run_cli("bench --model " + kModel + " --cases " + dir +
                                    "/cases.json --case nope",
                                ""),
                        "nope");
  write_file(dir + "/bad.json", R"([{"name": "x", "lengths": [9], "seq_len": 4, "input_ids": [1, 2, 3, 4]}])");
  expect_one_line_error(run_cli("bench --model " + kModel + " --cases " + dir +
                                    "/bad.json --case x",
                                ""),
                        "inconsistent");
  write_file(dir + "/text.json", "not json");
  expect_one_line_error(
      run_cli("bench --model " + kModel + " --cases " + dir + "/text.json --case x", ""),
      "not JSON");
}

TEST(CliBench, TextReportNamesTheFigures) {
  CliResult r = run_cli("bench --model " + kModel + " --batch 1 --seq 5 --runs 2 --peak-gflops 50",
                        "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* needle : {"median", "sequences/s", "tokens/s", "GFLOP/s", "% of peak 50.0",
                             "isa:", "threads:", "peak RSS"}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  }
}

TEST(CliBench, ArgumentErrorsAreOneLine) {
  const std::string m = "bench --model " + kModel;
  expect_one_line_error(run_cli("bench --batch 1 --seq 4", ""), "--model");
  expect_one_line_error(run_cli(m, ""), "exactly one of");
  expect_one_line_error(run_cli(m + " --batch 1 --seq 4 --lengths 3", ""), "exactly one of");
  expect_one_line_error(run_cli(m + " --batch 2", ""), "--seq");
  expect_one_line_error(run_cli(m + " --seq 2", ""), "--batch");
  expect_one_line_error(run_cli(m + " --batch 0 --seq 4", ""), "--batch");
  expect_one_line_error(run_cli(m + " --lengths 3,x", ""), "'x'");
  expect_one_line_error(run_cli(m + " --lengths 3,0", ""), "'0'");
  expect_one_line_error(run_cli(m + " --lengths ,", ""), "--lengths");
  expect_one_line_error(run_cli(m + " --batch 1 --seq 4 --runs 0", ""), "--runs");
  expect_one_line_error(run_cli(m + " --batch 1 --seq 4 --warmup -1", ""), "--warmup");
  expect_one_line_error(run_cli(m + " --batch 1 --seq 4 --threads -2", ""), "--threads");
  expect_one_line_error(run_cli(m + " --batch 1 --seq 4 --peak-gflops -3", ""), "--peak-gflops");
  expect_one_line_error(run_cli(m + " --batch 1 --seq 4 --bogus", ""), "--bogus");
  expect_one_line_error(run_cli(m + " --cases /nonexistent/c.json --case a", ""),
                        "/nonexistent/c.json");
  expect_one_line_error(run_cli(m + " --cases /nonexistent/c.json", ""), "--case");
  // Longer than max_position_embeddings (128): the encoder's own validation, one line.
  expect_one_line_error(run_cli(m + " --batch 1 --seq 129 --peak-gflops 1", ""), "129");
  expect_one_line_error(run_cli("bench --model /nonexistent/model --batch 1 --seq 4", ""),
                        "/nonexistent/model");
}

}  // namespace
}  // namespace lightbert::testing
