// tests/unit/fill_mask_families_test.cpp: fill-mask on every model family against the golden
// outputs of tools/make_mlm_family_models.py (tests/data/families/<family>-mlm, joined with the
// family's test tokenizer; camembert-mlm's from transformers' own CamembertForMaskedLM and
// fill-mask pipeline, tools/make_hf_family_models.py): the tokenizer's ids equal the reference tokenizer's, the logits at
// each mask are within 1e-4 of the float64 PyTorch port of the family's *ForMaskedLM head
// (RoBERTa / XLM-R lm_head, DistilBERT vocab_*, ALBERT predictions H -> E, ELECTRA's generator
// head H -> E; roberta-mlm with an untied decoder weight), the top-5 ids are the same and
// token_str / sequence are transformers' decode (WordPiece, byte-level BPE with U+FFFD for a
// partial character; for SentencePiece its Metaspace decoder as ported in the generator), also
// with two masks (no special tokens skipped), and tokenizer_config.json's
// clean_up_tokenization_spaces switches the clean-up as in transformers;
// `lightbert fill-mask` prints the same on the RoBERTa fixture and `lightbert serve`'s /fill-mask
// on the XLM-R one; converted .lbt files (fp32, int8) keep the head; a *ForMaskedLM checkpoint
// without a head tensor fails naming the file and the tensor. Each family prints its largest
// difference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "formats/checkpoint.h"
#include "kernels/kernels.h"
#include "lightbert/error.h"
#include "lightbert/model.h"
#include "lightbert/tasks.h"
#include "lightbert/tokenizer.h"
#include "models/model_file_loader.h"
#include "support/head_models.h"
#include "support/run_cli.h"
#include "support/server_process.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr double kTol = 1e-4;
const char* const kFamilies[] = {"roberta",  "xlm-roberta", "distilbert",
                                 "albert",   "electra",     "camembert"};

std::vector<json> jsonl(const std::string& path) {
  return read_jsonl(path);
}

struct TempDir {
  std::string dir;
  explicit TempDir(const std::string& tag) : dir(make_temp_dir(tag)) {}
  ~TempDir() { fs::remove_all(dir); }
};

// DIR = the fixture's config.json and model.safetensors + the family's test tokenizer.
std::string mlm_folder(const std::string& family, const std::string& dir) {
  return family_head_folder(family, "mlm", dir);
}

TEST(FillMaskFamilies, LogitsTopKAndStringsMatchReference) {
  for (const std::string family : kFamilies) {
    SCOPED_TRACE(family);
    TempDir t("mlm-" + family);
    auto model = Model::load(mlm_folder(family, t.dir));
    MaskFiller filler(*model);
    double worst = 0;
    const auto gold = jsonl(test_data("families/" + family + "-mlm/golden.jsonl"));
    ASSERT_EQ(gold.size(), 3u);
    for (const json& g : gold) {
      const std::string text = g["text"];
      SCOPED_TRACE(text);
      EXPECT_EQ(model->tokenizer().encode(text).input_ids,
                g["input_ids"].get<std::vector<int32_t>>());
      const FillMaskResult r = filler.fill({text}, g["top_k"].get<int>(), false)[0];
      EXPECT_EQ(r.mask_positions, g["mask_positions"].get<std::vector<int32_t>>());
      ASSERT_EQ(r.logits.size(), g["logits"].size());
      ASSERT_EQ(r.predictions.size(), g["output"].size());
      for (size_t m = 0; m < r.logits.size(); ++m) {
        const std::vector<double> want = g["logits"][m];
        ASSERT_EQ(r.logits[m].size(), want.size());
        for (size_t i = 0; i < want.size(); ++i) {
          worst = std::max(worst, std::fabs(static_cast<double>(r.logits[m][i]) - want[i]));
        }
        const json& w = g["output"][m];
        ASSERT_EQ(r.predictions[m].size(), w.size());
        for (size_t k = 0; k < w.size(); ++k) {
          const MaskPrediction& p = r.predictions[m][k];
          EXPECT_EQ(p.token, w[k]["token"].get<int32_t>()) << "mask " << m << " rank " << k;
          EXPECT_EQ(p.token_str, w[k]["token_str"].get<std::string>());
          EXPECT_EQ(p.sequence, w[k]["sequence"].get<std::string>());
          EXPECT_NEAR(p.score, w[k]["score"].get<double>(), kTol);
        }
      }
    }
    EXPECT_LE(worst, kTol);
    std::printf("[fill-mask] %s logits max abs diff %.3g\n", family.c_str(), worst);
  }
}

TEST(FillMaskFamilies, CliMatchesReference) {
  TempDir t("mlm-cli");
  const std::string dir = mlm_folder("roberta", t.dir);
  for (const json& g : jsonl(test_data("families/roberta-mlm/golden.jsonl"))) {
    if (g["mask_positions"].size() != 1) continue;
    const CliResult r =
        run_cli("fill-mask --top-k 5 --model " + dir, json{{"text", g["text"]}}.dump() + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = r.out_lines();
    ASSERT_EQ(lines.size(), 1u);
    const json got = json::parse(lines[0]);
    const json& want = g["output"][0];
    ASSERT_EQ(got.size(), want.size()) << got.dump();
    for (size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(got[k]["token"], want[k]["token"]);
      EXPECT_EQ(got[k]["token_str"], want[k]["token_str"]);
      EXPECT_EQ(got[k]["sequence"], want[k]["sequence"]);
      EXPECT_NEAR(got[k]["score"].get<double>(), want[k]["score"].get<double>(), kTol);
    }
  }
}

// tokenizer_config.json's clean_up_tokenization_spaces: absent -> on, false -> off (the strings
// are transformers' decode of these ids with roberta-tiny and with the flag set false).
TEST(FillMaskFamilies, DecodeFollowsCleanUpTokenizationSpaces) {
  const std::vector<int32_t> ids = {0,  315, 112, 411, 36, 50, 409, 114,
                                    43, 120, 36,  297, 36, 67, 2};
  TempDir t("mlm-cleanup");
  for (const auto& e : fs::directory_iterator(test_data("tokenizers/roberta-tiny"))) {
    fs::copy_file(e.path(), t.dir + "/" + e.path().filename().string());
  }
  const Tokenizer on = Tokenizer::from_folder(t.dir);
  EXPECT_EQ(on.encode("hello . isn't it ?").input_ids, ids);
  EXPECT_EQ(on.decode(ids, true), "hello. isn't it?");
  EXPECT_EQ(on.decode(ids, false), "<s>hello. isn't it?</s>");
  json cfg = json::parse(read_file(t.dir + "/tokenizer_config.json"));
  cfg["clean_up_tokenization_spaces"] = false;
  write_file(t.dir + "/tokenizer_config.json", cfg.dump());
  const Tokenizer off = Tokenizer::from_folder(t.dir);
  EXPECT_FALSE(off.config().clean_up_tokenization_spaces);
  EXPECT_EQ(off.decode(ids, true), "hello . isn't it ?");
}

// `lightbert serve` answers /fill-mask on a SentencePiece family (XLM-R) with the golden
// predictions: one mask gives its list, two masks a list per mask.
TEST(FillMaskFamilies, ServerMatchesReference) {
  TempDir t("mlm-serve");
  const std::string dir = mlm_folder("xlm-roberta", t.dir);
  ServerProcess server;
  const int port = server.start({"--model", dir, "--threads", "1"});
  ASSERT_GT(port, 0) << server.stderr_text();
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(60, 0);
  for (const json& g : jsonl(test_data("families/xlm-roberta-mlm/golden.jsonl"))) {
    SCOPED_TRACE(g["text"].get<std::string>());
    auto res = client.Post("/fill-mask", json{{"inputs", g["text"]}, {"top_k", 5}}.dump(),
                           "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const json body = json::parse(res->body);
    const bool single = g["output"].size() == 1;
    for (size_t m = 0; m < g["output"].size(); ++m) {
      const json& got = single ? body : body[m];
      const json& want = g["output"][m];
      ASSERT_EQ(got.size(), want.size()) << body.dump();
      for (size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(got[k]["token"], want[k]["token"]);
        EXPECT_EQ(got[k]["token_str"], want[k]["token_str"]);
        EXPECT_EQ(got[k]["sequence"], want[k]["sequence"]);
        EXPECT_NEAR(got[k]["score"].get<double>(), want[k]["score"].get<double>(), kTol);
      }
    }
  }
}

// `lightbert convert` keeps each family's head tensors and the tied decoder (the word
// embeddings, [V, E]): fill-mask from an fp32 .lbt file equals the folder's; from an int8 file
// (int8 word embeddings, dequantised for the decoder) it tracks it.
TEST(FillMaskFamilies, ModelFilesKeepTheHead) {
  for (const std::string family : kFamilies) {
    SCOPED_TRACE(family);
    TempDir t("mlm-lbt-" + family);
    const std::string dir = t.dir + "/model";
    fs::create_directory(dir);
    mlm_folder(family, dir);
    const std::string f32 = t.dir + "/f32.lbt", i8 = t.dir + "/i8.lbt";
    models::convert_folder(dir, f32, kernels::active_kernels(), kernels::WeightDtype::kF32);
    models::convert_folder(dir, i8, kernels::active_kernels(), kernels::WeightDtype::kI8);
    const std::string text =
        jsonl(test_data("families/" + family + "-mlm/golden.jsonl"))[0]["text"];
    auto folder = Model::load(dir);
    auto a = Model::load(f32);
    auto b = Model::load(i8);
    MaskFiller mf(*folder), ma(*a), mb(*b);
    const auto rf = mf.fill({text}, 3, false)[0];
    const auto ra = ma.fill({text}, 3, false)[0];
    const auto rb = mb.fill({text}, 3, false)[0];
    ASSERT_EQ(rf.logits.size(), 1u);
    EXPECT_EQ(rf.logits, ra.logits);
    EXPECT_EQ(rf.predictions[0][0].token_str, ra.predictions[0][0].token_str);
    ASSERT_EQ(rb.logits.size(), 1u);
    const std::vector<float>& lf = rf.logits[0];
    const std::vector<float>& li = rb.logits[0];
    ASSERT_EQ(lf.size(), li.size());
    float amax = 0, diff = 0;
    for (size_t i = 0; i < lf.size(); ++i) {
      amax = std::max(amax, std::fabs(lf[i]));
      diff = std::max(diff, std::fabs(lf[i] - li[i]));
    }
    EXPECT_LT(diff, 0.1f * amax);
  }
}

// Writes DIR/model.safetensors: SRC's tensors without `drop`.
void write_without(const std::string& src, const std::string& dir, const std::string& drop) {
  formats::Checkpoint ck = formats::Checkpoint::open_file(src);
  json header = json::object();
  std::string data;
  for (const std::string& n : ck.names()) {
    if (n == drop) continue;
    const formats::TensorInfo& t = ck.get(n);
    header[n] = {{"dtype", formats::dtype_name(t.dtype)},
                 {"shape", t.shape},
                 {"data_offsets", {data.size(), data.size() + t.nbytes}}};
    data.append(reinterpret_cast<const char*>(t.data), t.nbytes);
  }
  std::string h = header.dump();
  while (h.size() % 8 != 0) h += ' ';
  std::string file(8, '\0');
  const uint64_t len = h.size();
  std::memcpy(file.data(), &len, 8);  // little endian on x86-64
  write_file(dir + "/model.safetensors", file + h + data);
}

TEST(FillMaskFamilies, MissingHeadTensorNamesFileAndTensor) {
  const struct {
    const char* family;
    const char* tensor;
  } cases[] = {{"roberta", "lm_head.dense.weight"},
               {"xlm-roberta", "lm_head.bias"},
               {"distilbert", "vocab_layer_norm.bias"},
               {"albert", "predictions.dense.bias"},
               {"electra", "generator_lm_head.bias"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.family);
    TempDir t(std::string("mlm-missing-") + c.family);
    mlm_folder(c.family, t.dir);
    const std::string src = t.dir + "/full.safetensors";
    fs::rename(t.dir + "/model.safetensors", src);
    write_without(src, t.dir, c.tensor);
    fs::remove(src);
    auto model = Model::load(t.dir);
    try {
      MaskFiller m(*model);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound) << e.what();
      const std::string what = e.what();
      EXPECT_NE(what.find(std::string("'") + c.tensor + "'"), std::string::npos) << what;
      EXPECT_NE(what.find("model.safetensors"), std::string::npos) << what;
    }
  }
  // A discriminator (ElectraForPreTraining) is no fill-mask model.
  auto disc = Model::load(test_data("families/electra-disc"));
  try {
    MaskFiller m(*disc);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("ElectraForPreTraining"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lightbert::testing
