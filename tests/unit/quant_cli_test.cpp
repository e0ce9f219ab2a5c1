// tests/unit/quant_cli_test.cpp: the CLI's --dtype option as a user runs it: `bench --dtype`
// reports the dtype (and, for int8, the int8 peak), `hidden --dtype` / `embed --dtype` give the
// fp32 outputs within the reduced precision's error (cosine against the fp32 run of the same
// binary on the bundled tiny model, itself checked against PyTorch by cli_test), and a bad dtype
// is one error line naming the accepted values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/kernels.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

const std::string kModel = test_data("tiny-bert");
const std::string kInput =
    "{\"text\": \"the quick brown fox jumps over the lazy dog\"}\n{\"text\": \"hello world\"}\n";

std::vector<float> flat(const json& rows) {
  std::vector<float> out;
  for (const auto& r : rows) {
    if (r.is_array()) {
      for (const auto& v : r) out.push_back(v.get<float>());
    } else {
      out.push_back(r.get<float>());
    }
  }
  return out;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

std::vector<json> run_lines(const std::string& args) {
  CliResult r = run_cli(args, kInput);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out;
  for (const std::string& line : r.out_lines()) out.push_back(json::parse(line));
  return out;
}

TEST(QuantCli, BenchReportsTheDtypeAndTheInt8Peak) {
  for (const char* dtype : {"fp32", "bf16", "int8"}) {
    CliResult r = run_cli(std::string("bench --model ") + kModel +
                              " --batch 2 --seq 8 --runs 2 --warmup 1 --peak-gflops 100 --json "
                              "--dtype " +
                              dtype,
                          "");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out_lines().at(0));
    EXPECT_EQ(j["dtype"].get<std::string>(), dtype);
    const bool emulated = j["emulated"].get<bool>();
    EXPECT_EQ(emulated, kernels::active_kernels().emulated);
    if (emulated) {  // LIGHTBERT_ISA=<variant>-emu: no peaks are measured
      EXPECT_FALSE(j.contains("int8_peak_gops"));
      EXPECT_FALSE(j.contains("bf16_peak_gflops"));
    } else if (std::string(dtype) == "int8") {
      ASSERT_TRUE(j.contains("int8_peak_gops"));
      EXPECT_GT(j["int8_peak_gops"].get<double>(), 0.0);
      EXPECT_NEAR(j["pct_of_int8_peak"].get<double>(),
                  100.0 * j["gflops"].get<double>() / j["int8_peak_gops"].get<double>(), 1e-6);
    } else {
      EXPECT_FALSE(j.contains("int8_peak_gops"));
      EXPECT_EQ(j.contains("bf16_peak_gflops"), std::string(dtype) == "bf16");
    }
  }
  CliResult text = run_cli(
      "bench --model " + kModel + " --batch 1 --seq 8 --runs 1 --warmup 0 --dtype int8", "");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("dtype: int8"), std::string::npos) << text.out;
  if (kernels::active_kernels().emulated) {
    EXPECT_NE(text.out.find("emulated"), std::string::npos) << text.out;
  } else {
    EXPECT_NE(text.out.find("of the int8 peak"), std::string::npos) << text.out;
  }
}

TEST(QuantCli, HiddenAndEmbedFollowFp32WithinTheirPrecision) {
  const std::vector<json> ref = run_lines("hidden --model " + kModel);
  const std::vector<json> ref_embed = run_lines("embed --model " + kModel);
  ASSERT_EQ(ref.size(), 2u);
  for (auto [dtype, target] : {std::pair<const char*, double>{"bf16", 0.999}, {"int8", 0.99}}) {
    const std::vector<json> got =
        run_lines(std::string("hidden --model ") + kModel + " --dtype " + dtype);
    const std::vector<json> emb =
        run_lines(std::string("embed --model ") + kModel + " --dtype " + dtype);
    ASSERT_EQ(got.size(), ref.size());
    ASSERT_EQ(emb.size(), ref_embed.size());
    for (size_t i = 0; i < ref.size(); ++i) {
      const std::vector<float> a = flat(got[i]["last_hidden_state"]);
      const std::vector<float> b = flat(ref[i]["last_hidden_state"]);
      ASSERT_EQ(a.size(), b.size());
      EXPECT_GE(cosine(a, b), target) << dtype;
      EXPECT_NE(a, b) << dtype << ": the weights were not reduced";
      EXPECT_GE(cosine(flat(emb[i]["embedding"]), flat(ref_embed[i]["embedding"])), target)
          << dtype;
    }
  }
}

TEST(QuantCli, UnknownDtypeIsOneErrorLine) {
  for (const char* cmd : {"hidden", "embed", "bench"}) {
    std::string args = std::string(cmd) + " --model " + kModel + " --dtype int4";
    if (std::string(cmd) == "bench") args += " --batch 1 --seq 4 --runs 1";
    CliResult r = run_cli(args, kInput);
    EXPECT_EQ(r.exit_code, 1) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("fp32, bf16 or int8"), std::string::npos) << cmd << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << cmd << ": " << r.err;
  }
}

}  // namespace
}  // namespace lightbert::testing
