// tests/unit/st_dense_test.cpp: sentence-transformers folders with a Dense module (2_Dense) against
// the float64 PyTorch golden embeddings of tools/make_extra_head_models.py (tiny-bert ->
// Pooling -> nn.Linear -> Tanh / Identity -> F.normalize, tests/data/heads/st-dense*/golden.jsonl),
// within 1e-4 through the C++ API (Model::embed), `lightbert embed`, a .lbt written by `lightbert
// convert`, and the server's /embed; the token ids are checked against Hugging Face's; plus
// the Dense error paths (file and field named) and the hub download of 2_Dense's files. Each
// test prints its largest difference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"
#include "support/fake_hub.h"
#include "support/run_cli.h"
#include "support/server_process.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr double kTol = 1e-4;

// tiny-bert's files plus tests/data/heads/NAME's sentence-transformers files, in a fresh folder.
std::string st_dense_folder(const std::string& name) {
  const std::string dir = make_temp_dir("st-" + name);
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"}) {
    fs::copy_file(test_data("tiny-bert/" + std::string(f)), dir + "/" + f);
  }
  fs::copy(test_data("heads/" + name), dir, fs::copy_options::recursive);
  fs::remove(dir + "/golden.jsonl");
  return dir;
}

std::vector<json> golden(const std::string& name) {
  std::vector<json> out;
  std::istringstream ss(read_file(test_data("heads/" + name + "/golden.jsonl")));
  for (std::string l; std::getline(ss, l);) {
    if (!l.empty()) out.push_back(json::parse(l));
  }
  return out;
}

double max_diff(const std::vector<float>& got, const json& want) {
  EXPECT_EQ(got.size(), want.size());
  double m = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    m = std::max(m, std::fabs(static_cast<double>(got[i]) - want[i].get<double>()));
  }
  return m;
}

struct Folder {
  std::string dir;
  explicit Folder(const std::string& name) : dir(st_dense_folder(name)) {}
  ~Folder() { fs::remove_all(dir); }
};

const char* const kNames[] = {"st-dense", "st-dense-identity"};

TEST(StDense, ApiMatchesReference) {
  for (const std::string name : kNames) {
    SCOPED_TRACE(name);
    Folder f(name);
    auto model = Model::load(f.dir);
    ASSERT_EQ(model->dense_modules().size(), 1u);
    const auto gold = golden(name);
    EXPECT_EQ(model->embedding_size(), static_cast<int>(gold[0]["embedding"].size()));
    EXPECT_NE(model->embedding_size(), model->config().hidden_size);
    std::vector<TextInput> inputs;
    for (const json& g : gold) {
      inputs.push_back({g["text"], std::nullopt});
      EXPECT_EQ(model->tokenizer().encode(g["text"].get<std::string>()).input_ids,
                g["input_ids"].get<std::vector<int32_t>>());
    }
    const auto got = model->embed(inputs, model->default_embedding(), false);
    double worst = 0;
    for (size_t i = 0; i < gold.size(); ++i)
      worst = std::max(worst, max_diff(got[i], gold[i]["embedding"]));
    EXPECT_LE(worst, kTol);
    std::printf("[st-dense] %s api max abs diff %.3g\n", name.c_str(), worst);
  }
}

std::string text_lines(const std::vector<json>& gold) {
  std::string in;
  for (const json& g : gold) in += json{{"text", g["text"]}}.dump() + "\n";
  return in;
}

double cli_diff(const std::string& model, const std::vector<json>& gold) {
  CliResult r = run_cli("embed --model " + shell_quote(model) + " --threads 1", text_lines(gold));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = r.out_lines();
  EXPECT_EQ(lines.size(), gold.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(lines.size(), gold.size()); ++i) {
    worst = std::max(worst, max_diff(json::parse(lines[i])["embedding"].get<std::vector<float>>(),
                                     gold[i]["embedding"]));
  }
  return worst;
}

TEST(StDense, CliEmbedMatchesReference) {
  for (const std::string name : kNames) {
    SCOPED_TRACE(name);
    Folder f(name);
    const double worst = cli_diff(f.dir, golden(name));
    EXPECT_LE(worst, kTol);
    std::printf("[st-dense] %s cli embed max abs diff %.3g\n", name.c_str(), worst);
  }
}

TEST(StDense, ConvertedModelFileEmbedsTheSame) {
  for (const std::string name : kNames) {
    SCOPED_TRACE(name);
    Folder f(name);
    const std::string lbt = f.dir + "/model.lbt";
    CliResult c =
        run_cli("convert " + shell_quote(f.dir) + " " + shell_quote(lbt) + " --runs 1", "");
    ASSERT_EQ(c.exit_code, 0) << c.err;
    const auto gold = golden(name);
    const double worst = cli_diff(lbt, gold);
    EXPECT_LE(worst, kTol);
    // The model file alone: the folder's Dense weights are gone.
    fs::remove_all(f.dir + "/2_Dense");
    auto from_file = Model::load(lbt);
    ASSERT_EQ(from_file->dense_modules().size(), 1u);
    EXPECT_EQ(from_file->embedding_size(), static_cast<int>(gold[0]["embedding"].size()));
    std::vector<TextInput> in = {{gold[0]["text"], std::nullopt}};
    const double d = max_diff(from_file->embed(in, from_file->default_embedding(), false)[0],
                              gold[0]["embedding"]);
    EXPECT_LE(d, kTol);
    std::printf("[st-dense] %s .lbt embed max abs diff %.3g\n", name.c_str(), std::max(worst, d));
  }
}

TEST(StDense, ServerEmbedMatchesReference) {
  Folder f("st-dense");
  ServerProcess server;
  const int port = server.start({"--model", f.dir, "--threads", "1"});
  ASSERT_GT(port, 0) << server.stderr_text();
  const auto gold = golden("st-dense");
  json inputs = json::array();
  for (const json& g : gold) inputs.push_back(g["text"]);
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  auto r = c.Post("/embed", json{{"inputs", inputs}}.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json got = json::parse(r->body);
  ASSERT_EQ(got.size(), gold.size());
  double worst = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    worst = std::max(worst, max_diff(got[i].get<std::vector<float>>(), gold[i]["embedding"]));
  }
  EXPECT_LE(worst, kTol);
  auto info = c.Get("/info");
  ASSERT_TRUE(info);
  EXPECT_EQ(json::parse(info->body)["embedding_size"], 24) << info->body;
  std::printf("[st-dense] st-dense server /embed max abs diff %.3g\n", worst);
}

void expect_load_error(const std::function<void(const std::string&)>& edit, ErrorCode code,
                       const std::vector<std::string>& needles) {
  Folder f("st-dense");
  edit(f.dir);
  try {
    Model::load(f.dir);
    ADD_FAILURE() << "expected an error mentioning " << needles[0];
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const std::string& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
    }
  }
}

void write_dense_config(const std::string& dir, const std::string& text) {
  write_file(dir + "/2_Dense/config.json", text);
}

// The Dense module's weights as torch.save wrote them (tools/make_torch_fixtures.py), also
// through a .lbt model file.
TEST(StDense, DenseFromPytorchModelBin) {
  Folder f("st-dense");
  fs::remove(f.dir + "/2_Dense/model.safetensors");
  fs::copy_file(test_data("formats/torch/st-dense/2_Dense/pytorch_model.bin"),
                f.dir + "/2_Dense/pytorch_model.bin");
  const auto gold = golden("st-dense");
  std::vector<TextInput> inputs;
  for (const json& g : gold) inputs.push_back({g["text"], std::nullopt});
  auto model = Model::load(f.dir);
  const auto got = model->embed(inputs, model->default_embedding(), false);
  double worst = 0;
  for (size_t i = 0; i < gold.size(); ++i)
    worst = std::max(worst, max_diff(got[i], gold[i]["embedding"]));
  EXPECT_LE(worst, kTol);
  const std::string lbt = f.dir + "/model.lbt";
  const auto r = run_cli("convert " + f.dir + " " + lbt + " --runs 1", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto packed = Model::load(lbt);
  EXPECT_LE(
      max_diff(packed->embed(inputs, packed->default_embedding(), false)[0], gold[0]["embedding"]),
      kTol);
}

TEST(StDense, ErrorsNameFileAndField) {
  expect_load_error(
      [](const std::string& d) {
        write_dense_config(d, R"({"in_features": 32, "out_features": 24, "bias": true,
          "activation_function": "torch.nn.modules.activation.ReLU"})");
      },
      ErrorCode::kUnsupported, {"2_Dense/config.json", "activation_function"});
  expect_load_error(
      [](const std::string& d) { write_dense_config(d, R"({"in_features": 32, "bias": true})"); },
      ErrorCode::kNotFound, {"2_Dense/config.json", "out_features"});
  expect_load_error(
      [](const std::string& d) {
        write_dense_config(d, R"({"in_features": 32, "out_features": "24"})");
      },
      ErrorCode::kFormat, {"2_Dense/config.json", "out_features"});
  expect_load_error(
      [](const std::string& d) {
        write_dense_config(d, R"({"in_features": 32, "out_features": 25})");
      },
      ErrorCode::kFormat, {"2_Dense/model.safetensors", "linear.weight"});
  expect_load_error(
      [](const std::string& d) {
        write_dense_config(d, R"({"in_features": 16, "out_features": 24})");
      },
      ErrorCode::kFormat, {"2_Dense/model.safetensors", "linear.weight"});
  // (pytorch_model.bin is read when there is no model.safetensors: DenseFromPytorchModelBin.)
  expect_load_error(
      [](const std::string& d) {
        fs::rename(d + "/2_Dense/model.safetensors", d + "/2_Dense/pytorch_model.bin");
      },
      ErrorCode::kFormat, {"2_Dense/pytorch_model.bin", "not a PyTorch checkpoint"});
  expect_load_error([](const std::string& d) { fs::remove(d + "/2_Dense/model.safetensors"); },
                    ErrorCode::kNotFound, {"2_Dense/model.safetensors"});
  expect_load_error(
      [](const std::string& d) { write_file(d + "/2_Dense/model.safetensors", "garbage"); },
      ErrorCode::kFormat, {"2_Dense/model.safetensors"});
}

TEST(StDense, HubDownloadFetchesTheDenseModule) {
  ::unsetenv("HF_HUB_OFFLINE");
  const std::string cache = make_temp_dir("hub-dense");
  FakeHub hub;
  const std::string commit = "89abcdef0123456789abcdef0123456789abcdef";
  std::vector<FakeRepoFile> files;
  const std::string src = test_data("heads/st-dense");
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"}) {
    files.push_back({f, read_file(test_data("tiny-bert/" + std::string(f))),
                     std::string(f) == "model.safetensors"});
  }
  for (const char* f : {"modules.json", "1_Pooling/config.json", "2_Dense/config.json",
                        "sentence_bert_config.json"}) {
    files.push_back({f, read_file(src + "/" + f), false});
  }
  files.push_back(
      {"2_Dense/model.safetensors", read_file(src + "/2_Dense/model.safetensors"), true});
  files.push_back({"2_Dense/pytorch_model.bin", "not used", true});
  hub.add_repo("acme/st-dense", commit, files);
  hub::DownloadOptions o;
  o.endpoint = hub.endpoint();
  o.cache_dir = cache;
  o.max_retries = 1;
  o.retry_delay_ms = 10;
  const std::string snap = hub::download("acme/st-dense", o);
  EXPECT_TRUE(fs::exists(snap + "/2_Dense/config.json"));
  EXPECT_TRUE(fs::exists(snap + "/2_Dense/model.safetensors"));
  EXPECT_FALSE(fs::exists(snap + "/2_Dense/pytorch_model.bin"));
  EXPECT_EQ(hub.count("", "pytorch_model.bin"), 0);
  const auto gold = golden("st-dense");
  auto model = Model::load(snap);
  std::vector<TextInput> in = {{gold[0]["text"], std::nullopt}};
  EXPECT_LE(max_diff(model->embed(in, model->default_embedding(), false)[0], gold[0]["embedding"]),
            kTol);
  // A Dense module with only pytorch_model.bin: that is fetched.
  std::vector<FakeRepoFile> bin_files;
  for (const FakeRepoFile& f : files) {
    if (f.path.rfind("2_Dense/", 0) != 0 || f.path == "2_Dense/config.json") {
      bin_files.push_back(f);
    }
  }
  bin_files.push_back({"2_Dense/pytorch_model.bin",
                       read_file(test_data("formats/torch/st-dense/2_Dense/pytorch_model.bin")),
                       true});
  hub.add_repo("acme/st-dense-bin", commit, bin_files);
  const std::string bin_snap = hub::download("acme/st-dense-bin", o);
  EXPECT_FALSE(fs::exists(bin_snap + "/2_Dense/model.safetensors"));
  auto bin_model = Model::load(bin_snap);
  EXPECT_LE(max_diff(bin_model->embed(in, bin_model->default_embedding(), false)[0],
                     gold[0]["embedding"]),
            kTol);
  fs::remove_all(cache);
}

}  // namespace
}  // namespace lightbert::testing
