// tests/unit/model_file_test.cpp: the .lbt model file (formats/model_file.h,
// models/model_file_loader.h): folder -> .lbt round trip (outputs bitwise those of the folder
// and within 1e-4 of the PyTorch golden), a file packed for another panel width (repacked at
// load), the tokenizer and task heads through the file (classification, CRF NER, QA, tied
// fill-mask decoder, each equal to the folder's), and every malformed file: bad magic, other
// version, truncation, corrupted manifest, offsets / sizes out of range or inconsistent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "formats/model_file.h"
#include "kernels/kernels.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/model.h"
#include "lightbert/tasks.h"
#include "models/encoder_transforms.h"
#include "models/model_file_loader.h"
#include "support/head_models.h"
#include "support/test_paths.h"

namespace lightbert {
namespace {

using nlohmann::json;
using testing::make_temp_dir;
using testing::read_file;
using testing::test_data;
using testing::write_file;

struct TempDir {
  std::string path = make_temp_dir("lbt");
  ~TempDir() { std::filesystem::remove_all(path); }
};

// The tiny golden batches (tests/data/tiny-bert/golden, gelu cases).
struct GoldenCase {
  SequenceBatch batch;
  std::vector<float> hidden;
};

std::vector<GoldenCase> tiny_golden() {
  const json index = json::parse(read_file(test_data("tiny-bert/golden/index.json")));
  const std::string blob = read_file(test_data("tiny-bert/golden/golden.f32"));
  std::vector<GoldenCase> out;
  for (const json& c : index["cases"]) {
    if (c["hidden_act"] != "gelu") continue;
    GoldenCase g;
    g.batch.input_ids = c["input_ids"].get<std::vector<int32_t>>();
    g.batch.token_type_ids = c["token_type_ids"].get<std::vector<int32_t>>();
    g.batch.lengths = c["lengths"].get<std::vector<int32_t>>();
    const size_t off = c["last_hidden_state"]["offset"], n = c["last_hidden_state"]["shape"][0],
                 h = c["last_hidden_state"]["shape"][1];
    g.hidden.resize(n * h);
    std::memcpy(g.hidden.data(), blob.data() + off * 4, n * h * 4);
    out.push_back(std::move(g));
  }
  return out;
}

std::string convert(const std::string& dir, const std::string& out,
                    const kernels::KernelTable& table = kernels::active_kernels()) {
  models::convert_folder(dir, out, table, kernels::WeightDtype::kF32);
  return out;
}

TEST(ModelFile, RoundTripGivesTheFolderOutputsBitwise) {
  TempDir tmp;
  const std::string lbt = convert(test_data("tiny-bert"), tmp.path + "/tiny.lbt");
  EXPECT_TRUE(formats::is_model_file(lbt));
  EXPECT_FALSE(formats::is_model_file(test_data("tiny-bert")));
  auto from_folder = Encoder::load(test_data("tiny-bert"));
  auto from_file = Encoder::load(lbt);
  EXPECT_EQ(from_file->config().hidden_size, 32);
  EXPECT_TRUE(from_file->has_pooler());
  for (const GoldenCase& g : tiny_golden()) {
    EncoderOutput a, b;
    from_folder->forward(g.batch, a);
    from_file->forward(g.batch, b);
    ASSERT_EQ(a.last_hidden_state.size(), b.last_hidden_state.size());
    EXPECT_EQ(0, std::memcmp(a.last_hidden_state.data(), b.last_hidden_state.data(),
                             a.last_hidden_state.size() * 4));
    EXPECT_EQ(
        0, std::memcmp(a.pooler_output.data(), b.pooler_output.data(), a.pooler_output.size() * 4));
    float m = 0;
    for (size_t i = 0; i < g.hidden.size(); ++i) {
      m = std::max(m, std::fabs(g.hidden[i] - b.last_hidden_state[i]));
    }
    EXPECT_LE(m, 1e-4f);
  }
}

TEST(ModelFile, EveryFamilyRoundTripsBitwise) {
  // Position offsets (RoBERTa), embedding projections and shared layers (ALBERT), no token
  // types and no pooler (DistilBERT), ELECTRA's embeddings_project.
  for (const std::string fixture :
       {"roberta", "distilbert", "distilbert-sinusoidal", "electra", "albert"}) {
    SCOPED_TRACE(fixture);
    TempDir tmp;
    const std::string dir = test_data("families/" + fixture);
    const std::string lbt = convert(dir, tmp.path + "/m.lbt");
    auto a = Encoder::load(dir), b = Encoder::load(lbt);
    EXPECT_EQ(a->has_pooler(), b->has_pooler());
    const json index = json::parse(read_file(dir + "/golden/index.json"));
    for (const json& c : index["cases"]) {
      SequenceBatch batch;
      batch.input_ids = c["input_ids"].get<std::vector<int32_t>>();
      batch.token_type_ids = c["token_type_ids"].get<std::vector<int32_t>>();
      batch.lengths = c["lengths"].get<std::vector<int32_t>>();
      EncoderOutput x, y;
      a->forward(batch, x);
      b->forward(batch, y);
      ASSERT_EQ(x.last_hidden_state.size(), y.last_hidden_state.size());
      EXPECT_EQ(0, std::memcmp(x.last_hidden_state.data(), y.last_hidden_state.data(),
                               x.last_hidden_state.size() * 4));
      EXPECT_EQ(x.pooler_output, y.pooler_output);
    }
  }
}

TEST(ModelFile, ReducedPrecisionFilesComputeWhatTheFolderComputesInThatDtype) {
  for (const kernels::WeightDtype dtype :
       {kernels::WeightDtype::kBF16, kernels::WeightDtype::kI8}) {
    const std::string name = kernels::weight_dtype_name(dtype);
    SCOPED_TRACE(name);
    EncoderOptions opts;
    opts.dtype = name;
    std::unique_ptr<Encoder> from_folder;
    try {
      from_folder = Encoder::load(test_data("tiny-bert"), opts);
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::kUnsupported) << e.what();
      GTEST_SKIP() << "no " << name << " kernels in this table: " << e.what();
    }
    TempDir tmp;
    const std::string lbt = tmp.path + "/m.lbt";
    models::convert_folder(test_data("tiny-bert"), lbt, kernels::active_kernels(), dtype);
    const json manifest = formats::ModelFile::open(lbt)->manifest();
    EXPECT_EQ(manifest["encoder"]["dtype"], name);
    auto from_file = Encoder::load(lbt);
    EXPECT_THROW(Encoder::load(lbt, EncoderOptions{0, name == "int8" ? "bf16" : "int8"}), Error);
    EXPECT_NO_THROW(Encoder::load(lbt, opts));
    const GoldenCase g = tiny_golden().front();
    EncoderOutput a, b;
    from_folder->forward(g.batch, a);
    from_file->forward(g.batch, b);
    ASSERT_EQ(a.last_hidden_state.size(), b.last_hidden_state.size());
    EXPECT_EQ(0, std::memcmp(a.last_hidden_state.data(), b.last_hidden_state.data(),
                             a.last_hidden_state.size() * 4));
    // Packed for the generic table: repacked at load when its layout differs from ours.
    const std::string generic = tmp.path + "/generic.lbt";
    models::convert_folder(test_data("tiny-bert"), generic, kernels::generic_kernels(), dtype);
    ::testing::internal::CaptureStderr();
    auto repacked = Encoder::load(generic);
    const std::string note = ::testing::internal::GetCapturedStderr();
    const bool differs = kernels::packed_layout(kernels::generic_kernels(), dtype) !=
                         kernels::packed_layout(kernels::active_kernels(), dtype);
    EXPECT_EQ(note.find("repacking") != std::string::npos, differs) << note;
    EncoderOutput c;
    repacked->forward(g.batch, c);
    double worst = 1.0;
    const size_t h = 32;
    for (size_t r = 0; r < c.last_hidden_state.size() / h; ++r) {
      double ab = 0, aa = 0, bb = 0;
      for (size_t i = 0; i < h; ++i) {
        const double x = a.last_hidden_state[r * h + i], y = c.last_hidden_state[r * h + i];
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      worst = std::min(worst, ab / std::sqrt(aa * bb));
    }
    EXPECT_GT(worst, 0.99);
  }
}

TEST(ModelFile, FilePackedForAnotherPanelWidthIsRepacked) {
  TempDir tmp;
  kernels::KernelTable narrow = kernels::active_kernels();
  narrow.gemm_nr = 8;  // packs "fp32.nr8", which no table here reads
  const std::string lbt = convert(test_data("tiny-bert"), tmp.path + "/nr8.lbt", narrow);
  const json manifest = formats::ModelFile::open(lbt)->manifest();
  EXPECT_EQ(manifest["encoder"]["layers"][0]["qkv"]["layout"], "fp32.nr8");
  auto from_folder = Encoder::load(test_data("tiny-bert"));
  ::testing::internal::CaptureStderr();
  auto from_file = Encoder::load(lbt);
  const std::string note = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(note.find("repacking"), std::string::npos) << note;
  const GoldenCase g = tiny_golden().front();
  EncoderOutput a, b;
  from_folder->forward(g.batch, a);
  from_file->forward(g.batch, b);
  EXPECT_EQ(0, std::memcmp(a.last_hidden_state.data(), b.last_hidden_state.data(),
                           a.last_hidden_state.size() * 4));
}

TEST(ModelFile, ModelLoadsTokenizerAndEmbedsLikeTheFolder) {
  TempDir tmp;
  const std::string lbt = convert(test_data("tiny-bert"), tmp.path + "/tiny.lbt");
  // Model::load's temporary folders go under $TMPDIR: a private one, so that the check below sees
  // only this test's (other tests and processes load .lbt files in /tmp at the same time).
  const std::string private_tmp = tmp.path + "/tmpdir";
  std::filesystem::create_directory(private_tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::optional<std::string> saved =
      old_tmpdir != nullptr ? std::optional<std::string>(old_tmpdir) : std::nullopt;
  ::setenv("TMPDIR", private_tmp.c_str(), 1);
  struct Restore {
    const std::optional<std::string>& saved;
    ~Restore() { saved ? ::setenv("TMPDIR", saved->c_str(), 1) : ::unsetenv("TMPDIR"); }
  } restore{saved};
  auto folder = Model::load(test_data("tiny-bert"));
  auto file = Model::load(lbt);
  EXPECT_EQ(file->path(), lbt);
  EXPECT_EQ(file->max_length(), folder->max_length());
  const std::vector<TextInput> in = {{"hello world, this is lightbert", std::nullopt},
                                     {"a pair", std::string("of texts")}};
  EXPECT_EQ(file->embed(in, folder->default_embedding(), false),
            folder->embed(in, folder->default_embedding(), false));
  EXPECT_EQ(load_tokenizer(lbt).encode("the quick brown fox").input_ids,
            folder->tokenizer().encode("the quick brown fox").input_ids);
  // No temporary folder is left behind by Model::load / load_tokenizer.
  for (const auto& e : std::filesystem::directory_iterator(private_tmp)) {
    EXPECT_EQ(e.path().filename().string().rfind("lightbert-model-", 0), std::string::npos)
        << e.path();
  }
}

TEST(ModelFile, PrunedAndCutModelSavesItsConfig) {
  TempDir tmp;
  const std::string lbt = tmp.path + "/cut.lbt";
  models::convert_folder(test_data("prune/six-layer"), lbt, kernels::active_kernels(),
                         kernels::WeightDtype::kF32, [](ModelConfig& c, models::EncoderTensors& t) {
                           models::prune_heads(t, c, {{2, {0, 1}}, {4, {3}}});
                           models::keep_layers(t, c, {1, 2, 5});
                         });
  auto enc = Encoder::load(lbt);
  EXPECT_EQ(enc->config().num_hidden_layers, 3);
  EXPECT_EQ(enc->config().pruned_heads, (std::map<int, std::vector<int>>{{1, {0, 1}}}));
  // Outputs: the PyTorch golden of the same transforms (tools/prune_reference.py).
  const json g = json::parse(read_file(test_data("prune/golden.json")));
  SequenceBatch batch;
  batch.input_ids = g["batch"]["input_ids"].get<std::vector<int32_t>>();
  batch.token_type_ids = g["batch"]["token_type_ids"].get<std::vector<int32_t>>();
  batch.lengths = g["batch"]["lengths"].get<std::vector<int32_t>>();
  EncoderOutput out;
  enc->forward(batch, out);
  for (const json& c : g["cases"]) {
    if (c["name"] != "prune_keep") continue;
    ASSERT_EQ(out.last_hidden_state.size(), c["last_hidden_state"].size());
    for (size_t i = 0; i < out.last_hidden_state.size(); ++i) {
      EXPECT_NEAR(out.last_hidden_state[i], c["last_hidden_state"][i].get<float>(), 1e-4) << i;
    }
  }
}

struct HeadFolder {
  std::string dir;
  TempDir tmp;
  std::string lbt;
  explicit HeadFolder(const std::string& name)
      : dir(testing::make_head_model(name)), lbt(tmp.path + "/" + name + ".lbt") {
    convert(dir, lbt);
  }
  ~HeadFolder() { testing::remove_dir(dir); }
};

TEST(ModelFile, TaskHeadsReadTheirTensorsFromTheFile) {
  {
    HeadFolder f("cls-single");
    auto a = Model::load(f.dir), b = Model::load(f.lbt);
    SequenceClassifier ca(*a), cb(*b);
    const std::vector<TextInput> in = {{"good movie", std::nullopt}};
    EXPECT_EQ(ca.classify(in, false)[0].logits, cb.classify(in, false)[0].logits);
    EXPECT_EQ(ca.labels(), cb.labels());
  }
  {
    HeadFolder f("ner-crf");
    auto a = Model::load(f.dir), b = Model::load(f.lbt);
    TokenClassifier ta(*a), tb(*b);
    const auto ra = ta.classify({"John lives in Berlin"}, Aggregation::kSimple, false);
    const auto rb = tb.classify({"John lives in Berlin"}, Aggregation::kSimple, false);
    ASSERT_EQ(ra.size(), rb.size());
    EXPECT_EQ(ra[0].entities.size(), rb[0].entities.size());
    EXPECT_EQ(ra[0].logits, rb[0].logits);
  }
  {
    HeadFolder f("qa");
    auto a = Model::load(f.dir), b = Model::load(f.lbt);
    QuestionAnswerer qa(*a), qb(*b);
    const auto ra = qa.answer("who lives here?", "the man lives in the house by the river");
    const auto rb = qb.answer("who lives here?", "the man lives in the house by the river");
    EXPECT_EQ(ra.start_logits, rb.start_logits);
    ASSERT_FALSE(rb.answers.empty());
    EXPECT_EQ(ra.answers[0].answer, rb.answers[0].answer);
  }
  {
    HeadFolder f("mlm");  // decoder tied to the word embeddings
    auto a = Model::load(f.dir), b = Model::load(f.lbt);
    MaskFiller ma(*a), mb(*b);
    const auto ra = ma.fill({"the man [MASK] home"}, 3, false);
    const auto rb = mb.fill({"the man [MASK] home"}, 3, false);
    EXPECT_EQ(ra[0].logits, rb[0].logits);
    EXPECT_EQ(ra[0].predictions[0][0].token_str, rb[0].predictions[0][0].token_str);
  }
}

// int8 files store the word embeddings as int8 rows (the size target); the tied MLM decoder then
// reads them dequantised, so fill-mask from the int8 file tracks the fp32 folder.
TEST(ModelFile, Int8FileKeepsWordEmbeddingsAsInt8Rows) {
  const std::string dir = testing::make_head_model("mlm");
  TempDir tmp;
  const std::string f32 = tmp.path + "/f32.lbt", i8 = tmp.path + "/i8.lbt";
  models::convert_folder(dir, f32, kernels::active_kernels(), kernels::WeightDtype::kF32);
  models::convert_folder(dir, i8, kernels::active_kernels(), kernels::WeightDtype::kI8);
  const json arrays = formats::ModelFile::open(i8)->manifest()["encoder"]["arrays"];
  EXPECT_FALSE(arrays.contains("word_embeddings"));
  ASSERT_TRUE(arrays.contains("word_embeddings_i8"));
  ASSERT_TRUE(arrays.contains("word_embedding_scales"));
  const ModelConfig cfg = ModelConfig::from_json_file(dir + "/config.json");
  EXPECT_EQ(arrays["word_embeddings_i8"]["size"].get<uint64_t>(),
            static_cast<uint64_t>(cfg.vocab_size) * cfg.hidden_size);
  EXPECT_LT(std::filesystem::file_size(i8) * 2, std::filesystem::file_size(f32));

  // The encoder from the file computes what the in-memory int8 encoder computes, bitwise.
  auto from_file = Encoder::load(i8);
  auto in_memory = Encoder::load(dir, EncoderOptions{0, "int8"});
  SequenceBatch batch;
  batch.add({2, 7, 11, 5, 3});
  batch.add({2, cfg.vocab_size - 1, 9, 3});
  EncoderOutput a, b;
  from_file->forward(batch, a);
  in_memory->forward(batch, b);
  ASSERT_EQ(a.last_hidden_state.size(), b.last_hidden_state.size());
  EXPECT_EQ(0, std::memcmp(a.last_hidden_state.data(), b.last_hidden_state.data(),
                           a.last_hidden_state.size() * 4));

  auto fp32 = Model::load(dir);
  auto int8 = Model::load(i8);
  MaskFiller mf(*fp32), mi(*int8);
  const auto rf = mf.fill({"the man [MASK] home"}, 3, false);
  const auto ri = mi.fill({"the man [MASK] home"}, 3, false);
  ASSERT_EQ(rf[0].logits.size(), 1u);
  ASSERT_EQ(ri[0].logits.size(), 1u);
  const std::vector<float>& lf = rf[0].logits[0];
  const std::vector<float>& li = ri[0].logits[0];
  ASSERT_EQ(lf.size(), li.size());
  float amax = 0, diff = 0;
  for (size_t i = 0; i < lf.size(); ++i) {
    amax = std::max(amax, std::fabs(lf[i]));
    diff = std::max(diff, std::fabs(lf[i] - li[i]));
  }
  EXPECT_GT(diff, 0.0f) << "the int8 file computed in fp32";
  EXPECT_LT(diff, 0.05f * amax);
  EXPECT_EQ(rf[0].predictions[0][0].token_str, ri[0].predictions[0][0].token_str);
  testing::remove_dir(dir);
}

// ---- malformed files -------------------------------------------------------------------------

class Corrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    good_ = read_file(convert(test_data("tiny-bert"), tmp_.path + "/ok.lbt"));
  }

  // Expects loading `bytes` (written to a file) to throw an Error of `code` whose message names
  // the file and contains `needle`.
  // `encoder_too`: Encoder::load (weights only) fails too, not just Model::load.
  void expect_error(const std::string& bytes, ErrorCode code, const std::string& needle,
                    bool encoder_too = true) {
    const std::string path = tmp_.path + "/bad.lbt";
    write_file(path, bytes);
    for (int which = encoder_too ? 0 : 1; which < 2; ++which) {
      try {
        if (which == 0) {
          Encoder::load(path);
        } else {
          Model::load(path);
        }
        ADD_FAILURE() << "no error for " << needle;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      }
    }
  }

  // A file with the same data region and an edited manifest.
  std::string with_manifest(const std::function<void(json&)>& edit) {
    const std::string path = tmp_.path + "/ok.lbt";
    write_file(path, good_);
    auto f = formats::ModelFile::open(path);
    json m = f->manifest();
    edit(m);
    const std::string out = tmp_.path + "/edited.lbt";
    formats::write_model_file(out, m, {{0, {f->data_region(), f->data_size()}}}, f->data_size());
    return read_file(out);
  }

  TempDir tmp_;
  std::string good_;
};

TEST_F(Corrupt, BadMagic) {
  std::string b = good_;
  b[0] = 'X';
  // Not a model file by its magic: then it is neither a folder.
  const std::string path = tmp_.path + "/bad.lbt";
  write_file(path, b);
  EXPECT_THROW(Encoder::load(path), Error);
  EXPECT_THROW(formats::ModelFile::open(path), Error);
  try {
    formats::ModelFile::open(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("bad magic"), std::string::npos) << e.what();
  }
}

TEST_F(Corrupt, OtherFormatVersion) {
  std::string b = good_;
  b[8] = 2;
  expect_error(b, ErrorCode::kUnsupported, "format version 2");
}

TEST_F(Corrupt, Truncated) {
  expect_error(good_.substr(0, good_.size() / 2), ErrorCode::kFormat, "truncated");
  expect_error(good_.substr(0, good_.size() - 1), ErrorCode::kFormat, "truncated");
  expect_error(good_.substr(0, 40), ErrorCode::kFormat, "truncated");
}

TEST_F(Corrupt, ManifestBytesChanged) {
  std::string b = good_;
  const size_t at = b.find("\"encoder\"");
  ASSERT_NE(at, std::string::npos);
  b[at + 1] = 'E';
  expect_error(b, ErrorCode::kFormat, "checksum");
}

TEST_F(Corrupt, HeaderOffsetsOutOfRange) {
  std::string b = good_;
  b[16] = 1;  // manifest offset 1
  expect_error(b, ErrorCode::kFormat, "corrupted header");
  b = good_;
  b[24 + 6] = 1;  // a huge manifest size
  expect_error(b, ErrorCode::kFormat, "corrupted header");
  b = good_;
  b[40] = static_cast<char>(b[40] + 8);  // data region offset no longer 64-aligned / consistent
  expect_error(b, ErrorCode::kFormat, "corrupted header");
}

TEST_F(Corrupt, BlobOutsideTheDataRegion) {
  expect_error(with_manifest([](json& m) {
                 m["encoder"]["arrays"]["word_embeddings"]["offset"] = 1ull << 40;
               }),
               ErrorCode::kFormat, "encoder.arrays.word_embeddings");
  expect_error(with_manifest([](json& m) { m["files"]["vocab.txt"]["size"] = 1ull << 40; }),
               ErrorCode::kFormat, "outside the data region", /*encoder_too=*/false);
  expect_error(with_manifest([](json& m) {
                 m["encoder"]["layers"][1]["qkv"]["arrays"]["data"]["offset"] = 8;
               }),
               ErrorCode::kFormat, "not 64-byte aligned");
}

TEST_F(Corrupt, SizesInconsistentWithTheConfig) {
  expect_error(with_manifest([](json& m) { m["encoder"]["arrays"]["emb_ln_gamma"]["size"] = 64; }),
               ErrorCode::kFormat, "emb_ln_gamma");
  expect_error(with_manifest([](json& m) { m["encoder"]["layers"][0]["intermediate"]["n"] = 63; }),
               ErrorCode::kFormat, "encoder.layers.0.intermediate");
  expect_error(with_manifest(
                   [](json& m) { m["encoder"]["layers"][0]["qkv"]["arrays"]["bias"]["size"] = 4; }),
               ErrorCode::kFormat, "bias");
  expect_error(with_manifest([](json& m) { m["encoder"]["layers"][1]["num_heads"] = 3; }),
               ErrorCode::kFormat, "encoder.layers.1");
  expect_error(with_manifest([](json& m) { m["encoder"]["layer_order"] = {0}; }),
               ErrorCode::kFormat, "layer_order");
  expect_error(with_manifest([](json& m) {
                 m["encoder"]["layer_order"] = {0, 7};
               }),
               ErrorCode::kFormat, "layer_order");
  expect_error(with_manifest([](json& m) { m.erase("encoder"); }), ErrorCode::kFormat, "'encoder'");
  expect_error(with_manifest([](json& m) { m["files"].erase("config.json"); }), ErrorCode::kFormat,
               "config.json");
  expect_error(with_manifest([](json& m) { m["format"] = "other"; }), ErrorCode::kFormat,
               "'format'");
  expect_error(
      with_manifest([](json& m) { m["files"]["../escape.txt"] = m["files"]["vocab.txt"]; }),
      ErrorCode::kFormat, "escape.txt", /*encoder_too=*/false);
}

}  // namespace
}  // namespace lightbert
