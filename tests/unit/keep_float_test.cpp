// tests/unit/keep_float_test.cpp: ConvertOptions::keep_float (`lightbert convert --keep-float`,
// models/keep_float.h): an int8 / bf16 .lbt file with some Linears stored fp32 (a) loads and
// verifies, its manifest marking exactly those entries fp32; (b) is closer to fp32 than the
// plain int8 file, the kept Linear's packed weights being the folder's fp32 values exactly;
// (c) with every Linear (and the int8 word embeddings) kept float computes what the fp32 file
// computes; (d) unknown names, non-Linear names, empty names and keep_float without bf16 / int8
// are kInvalidArgument and write nothing; the names survive layer dropping; the CLI parses the
// comma-separated list and prints kept_float.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/checkpoint.h"
#include "formats/model_file.h"
#include "kernels/kernels.h"
#include "lightbert/convert.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/model.h"
#include "lightbert/model_file.h"
#include "lightbert/tokenizer.h"
#include "models/keep_float.h"
#include "models/model_file_loader.h"
#include "support/run_cli.h"
#include "support/convert_cases.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

using nlohmann::json;

struct TempDir {
  std::string path = make_temp_dir("keep-float");
  ~TempDir() { std::filesystem::remove_all(path); }
};

ConvertOptions options(const std::string& dtype, std::vector<std::string> keep) {
  ConvertOptions o;
  o.dtype = dtype;
  o.keep_float = std::move(keep);
  o.runs = 1;
  o.threads = 1;
  o.calibration_texts = {{"hello world", std::nullopt}};
  return o;
}

// last_hidden_state of a few texts, one thread.
std::vector<float> hidden(const std::string& path) {
  const Tokenizer tok = Tokenizer::from_folder(test_data("tiny-bert"));
  SequenceBatch batch;
  for (const char* t : {"the quick brown fox jumps over the lazy dog", "hello world",
                        "a short one", "what is the capital of france"}) {
    const Encoding e = tok.encode(t);
    batch.add(e.input_ids, e.token_type_ids);
  }
  EncoderOptions eo;
  eo.threads = 1;
  std::unique_ptr<Encoder> enc = Encoder::load(path, eo);
  EncoderOutput out;
  enc->forward(batch, out);
  std::vector<float> all = out.last_hidden_state;
  all.insert(all.end(), out.pooler_output.begin(), out.pooler_output.end());
  return all;
}

double sq_error(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s;
}

double max_abs(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

// Skips the test when this kernel table has no kernels for `dtype`.
bool table_has(const std::string& dtype) {
  EncoderOptions eo;
  eo.dtype = dtype;
  try {
    Encoder::load(test_data("tiny-bert"), eo);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kUnsupported) return false;
    throw;
  }
  return true;
}

const std::vector<std::string> kEveryLinear = {
    "encoder.layer.*.attention.self.query", "encoder.layer.*.attention.output.dense",
    "encoder.layer.*.intermediate.dense", "encoder.layer.*.output.dense", "pooler.dense"};

TEST(KeepFloat, NamesMatchWithOneSegmentWildcards) {
  using models::keep_float_match;
  EXPECT_TRUE(keep_float_match("encoder.layer.5.output.dense", "encoder.layer.5.output.dense"));
  EXPECT_TRUE(keep_float_match("encoder.layer.*.output.dense", "encoder.layer.11.output.dense"));
  EXPECT_FALSE(keep_float_match("encoder.layer.*.output.dense",
                                "encoder.layer.1.attention.output.dense"));
  EXPECT_FALSE(keep_float_match("encoder.layer.*.dense", "encoder.layer.1.output.dense"));
  EXPECT_FALSE(keep_float_match("encoder.layer.5.output", "encoder.layer.5.output.dense"));
  EXPECT_FALSE(keep_float_match("encoder.layer.5.output.dense", "encoder.layer.5.output"));
  EXPECT_FALSE(keep_float_match("encoder.layer.*", "encoder.layer."));
  EXPECT_TRUE(keep_float_match("*.dense", "pooler.dense"));
}

TEST(KeepFloat, Int8FileWithAFloatLinearLoadsAndVerifies) {
  if (!table_has("int8")) GTEST_SKIP() << "no int8 kernels";
  TempDir tmp;
  const std::string out = tmp.path + "/mixed.lbt";
  const ConvertReport r =
      convert(test_data("tiny-bert"), out, options("int8", {"encoder.layer.1.output.dense"}));
  EXPECT_EQ(r.dtype, "int8");
  EXPECT_EQ(r.kept_float, std::vector<std::string>{"encoder.layer.1.output.dense"});
  EXPECT_EQ(json::parse(r.to_json())["kept_float"], json::array({"encoder.layer.1.output.dense"}));
  const json m = formats::ModelFile::open(out)->manifest();
  EXPECT_EQ(m["encoder"]["dtype"], "int8");
  const json& layers = m["encoder"]["layers"];
  for (int l = 0; l < 2; ++l) {
    for (const char* lin : {"qkv", "attn_output", "intermediate", "output"}) {
      const bool kept = l == 1 && std::string(lin) == "output";
      EXPECT_EQ(layers[l][lin]["dtype"], kept ? "fp32" : "int8") << l << " " << lin;
    }
  }
  EXPECT_EQ(layers[1]["output"]["layout"],
            kernels::packed_layout(kernels::active_kernels(), kernels::WeightDtype::kF32));
  EXPECT_EQ(m["encoder"]["pooler"]["dtype"], "int8");
  EXPECT_NO_THROW(verify_model_file(out));
  EXPECT_NO_THROW(Model::load(out));
  const CliResult v = run_cli("verify " + shell_quote(out), "");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  // Another dtype in the same file stays refused: only fp32 may be mixed in.
  auto f = formats::ModelFile::open(out);
  json edited = f->manifest();
  edited["encoder"]["layers"][0]["qkv"]["dtype"] = "bf16";
  const std::string bad = tmp.path + "/bad.lbt";
  formats::write_model_file(bad, edited, {{0, {f->data_region(), f->data_size()}}},
                            f->data_size());
  try {
    Encoder::load(bad);
    ADD_FAILURE() << "a bf16 entry in an int8 file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.what();
    EXPECT_NE(std::string(e.what()).find("encoder.layers.0.qkv"), std::string::npos) << e.what();
  }
  // An int8 entry relabelled fp32 does not pass: its layout tag is not an fp32 layout.
  edited = f->manifest();
  edited["encoder"]["layers"][0]["qkv"]["dtype"] = "fp32";
  formats::write_model_file(bad, edited, {{0, {f->data_region(), f->data_size()}}},
                            f->data_size());
  try {
    Encoder::load(bad);
    ADD_FAILURE() << "an int8 entry relabelled fp32 loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.what();
  }
}

TEST(KeepFloat, KeptLinearIsTheFoldersFp32AndBringsInt8Closer) {
  if (!table_has("int8")) GTEST_SKIP() << "no int8 kernels";
  TempDir tmp;
  const std::string fp32 = tmp.path + "/fp32.lbt", plain = tmp.path + "/int8.lbt",
                    mixed = tmp.path + "/mixed.lbt";
  convert(test_data("tiny-bert"), fp32, options("fp32", {}));
  convert(test_data("tiny-bert"), plain, options("int8", {}));
  convert(test_data("tiny-bert"), mixed, options("int8", {"encoder.layer.0.intermediate.dense"}));
  const std::vector<float> ref = hidden(fp32);
  const double err_plain = sq_error(ref, hidden(plain));
  const double err_mixed = sq_error(ref, hidden(mixed));
  EXPECT_GT(err_mixed, 0.0) << "the mixed file computed everything in fp32";
  EXPECT_LT(err_mixed, err_plain);

  const models::LoadedModelFile f = models::load_model_file(mixed, kernels::active_kernels());
  const kernels::PackedWeights& w = f.weights.layers[0].intermediate;
  ASSERT_EQ(w.dtype, kernels::WeightDtype::kF32);
  EXPECT_EQ(f.weights.layers[0].output.dtype, kernels::WeightDtype::kI8);
  EXPECT_EQ(f.weights.layers[1].intermediate.dtype, kernels::WeightDtype::kI8);
  const formats::Checkpoint ck = formats::Checkpoint::open_folder(test_data("tiny-bert"));
  const std::vector<float> weight =
      ck.read_f32("encoder.layer.0.intermediate.dense.weight", {64, 32});
  const std::vector<float> bias = ck.read_f32("encoder.layer.0.intermediate.dense.bias", {64});
  ASSERT_EQ(w.n, 64);
  ASSERT_EQ(w.k, 32);
  size_t differ = 0;
  for (int64_t j = 0; j < w.n; ++j) {
    for (int64_t i = 0; i < w.k; ++i) {
      const float packed = w.data.ptr[(j / w.nr) * w.k * w.nr + i * w.nr + j % w.nr];
      differ += packed != weight[static_cast<size_t>(j * w.k + i)];
    }
    differ += w.bias.ptr[j] != bias[static_cast<size_t>(j)];
  }
  EXPECT_EQ(differ, 0u);
}

TEST(KeepFloat, EveryLinearFloatComputesWhatTheFp32FileComputes) {
  TempDir tmp;
  const std::string fp32 = tmp.path + "/fp32.lbt";
  convert(test_data("tiny-bert"), fp32, options("fp32", {}));
  const std::vector<float> ref = hidden(fp32);
  for (const char* dtype : {"int8", "bf16"}) {
    SCOPED_TRACE(dtype);
    if (!table_has(dtype)) continue;
    std::vector<std::string> keep = kEveryLinear;
    keep.push_back("embeddings.word_embeddings");  // int8 quantises the table otherwise
    const std::string out = tmp.path + "/" + dtype + ".lbt";
    const ConvertReport r = convert(test_data("tiny-bert"), out, options(dtype, keep));
    EXPECT_EQ(r.kept_float.size(), 1u + 2 * 6 + 1);  // embeddings, 2 x (q, k, v, 3 more), pooler
    EXPECT_EQ(r.kept_float.front(), "embeddings.word_embeddings");
    EXPECT_EQ(r.max_abs_diff, 0.0);
    EXPECT_LE(max_abs(ref, hidden(out)), 1e-6);
    // Without the word embeddings an int8 file still differs (its table is int8 rows).
    if (std::string(dtype) == "int8") {
      const std::string lin = tmp.path + "/linears.lbt";
      convert(test_data("tiny-bert"), lin, options(dtype, kEveryLinear));
      EXPECT_GT(max_abs(ref, hidden(lin)), 0.0);
    }
  }
}

TEST(KeepFloat, BadNamesAndDtypesAreInvalidArgumentAndWriteNothing) {
  TempDir tmp;
  const std::string out = tmp.path + "/x.lbt";
  const std::vector<ConvertCase> cases = {
      {options("int8", {"encoder.layer.9.output.dense"}), "names no Linear"},
      {options("int8", {"encoder.layer.0.output.LayerNorm"}), "not a Linear"},
      {options("int8", {"embeddings.position_embeddings"}), "not a Linear"},
      {options("bf16", {"encoder.layer.*.output.dense", ""}), "empty"},
      {options("int8", {"encoder.layer.0.output.dense.weight"}), "without .weight"},
      {options("fp32", {"encoder.layer.0.output.dense"}), "bf16 or int8"},
  };
  expect_invalid_convert_options(cases, out);
}

TEST(KeepFloat, NamesAreTheFoldersLayerNumbersWhenLayersAreDropped) {
  if (!table_has("int8")) GTEST_SKIP() << "no int8 kernels";
  TempDir tmp;
  const std::string out = tmp.path + "/cut.lbt";
  ConvertOptions o = options("int8", {"encoder.layer.1.attention.self.value"});
  o.keep_layers = {1};
  const ConvertReport r = convert(test_data("tiny-bert"), out, o);
  EXPECT_EQ(r.kept_float,
            (std::vector<std::string>{"encoder.layer.1.attention.self.query",
                                      "encoder.layer.1.attention.self.key",
                                      "encoder.layer.1.attention.self.value"}));
  const json m = formats::ModelFile::open(out)->manifest();
  ASSERT_EQ(m["encoder"]["layers"].size(), 1u);
  EXPECT_EQ(m["encoder"]["layers"][0]["qkv"]["dtype"], "fp32");
  EXPECT_EQ(m["encoder"]["layers"][0]["output"]["dtype"], "int8");
  // A dropped layer's Linear is still a name of the folder: kept, and nothing to report.
  o.keep_float = {"encoder.layer.0.output.dense"};
  EXPECT_TRUE(convert(test_data("tiny-bert"), out, o).kept_float.empty());
}

TEST(KeepFloat, CliParsesTheListAndReportsIt) {
  if (!table_has("int8")) GTEST_SKIP() << "no int8 kernels";
  TempDir tmp;
  const std::string out = tmp.path + "/cli.lbt";
  CliResult r = run_cli("convert " + shell_quote(test_data("tiny-bert")) + " " + shell_quote(out) +
                            " --dtype int8 --runs 1 --threads 1 --json --keep-float "
                            "encoder.layer.0.output.dense,encoder.layer.*.intermediate.dense",
                        "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out_lines().at(0));
  EXPECT_EQ(j["kept_float"],
            json::array({"encoder.layer.0.intermediate.dense", "encoder.layer.0.output.dense",
                         "encoder.layer.1.intermediate.dense"}));
  std::filesystem::remove(out);
  r = run_cli("convert " + shell_quote(test_data("tiny-bert")) + " " + shell_quote(out) +
                  " --keep-float encoder.layer.0.output.dense",
              "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bf16 or int8"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  r = run_cli("convert " + shell_quote(test_data("tiny-bert")) + " " + shell_quote(out) +
                  " --dtype int8 --keep-float encoder.layer.0.output.dense,",
              "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace lightbert::testing
