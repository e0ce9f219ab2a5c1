// tests/unit/hub_cli_test.cpp: `lightbert download` and --model ORG/NAME through the built CLI,
// with HF_ENDPOINT pointing at the fake hub (loopback) serving the tiny test model.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "support/fake_hub.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace fs = std::filesystem;
using lightbert::testing::FakeHub;
using lightbert::testing::FakeRepoFile;
using lightbert::testing::read_file;
using lightbert::testing::run_cli;
using lightbert::testing::shell_quote;

namespace {

const std::string kCommit = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

class HubCli : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = lightbert::testing::make_temp_dir("hub-cli");
    const std::string tiny = lightbert::testing::test_data("tiny-bert");
    std::vector<FakeRepoFile> files;
    for (const char* f : {"config.json", "tokenizer_config.json", "vocab.txt"}) {
      files.push_back({f, read_file(tiny + "/" + f), false});
    }
    files.push_back({"model.safetensors", read_file(tiny + "/model.safetensors"), true});
    files.push_back({"pytorch_model.bin", std::string(1000, 'p'), true});
    hub_.add_repo("acme/tiny-bert", kCommit, files);
    ::setenv("HF_ENDPOINT", hub_.endpoint().c_str(), 1);
    ::setenv("HF_HUB_CACHE", cache_.c_str(), 1);
    ::unsetenv("HF_HUB_OFFLINE");
    ::unsetenv("HF_TOKEN");
  }
  void TearDown() override {
    ::unsetenv("HF_ENDPOINT");
    ::unsetenv("HF_HUB_CACHE");
    fs::remove_all(cache_);
  }

  FakeHub hub_;
  std::string cache_;
};

TEST_F(HubCli, DownloadPrintsTheSnapshotAndModelResolvesFromTheCache) {
  const auto r = run_cli("download acme/tiny-bert", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string snap = cache_ + "/models--acme--tiny-bert/snapshots/" + kCommit;
  EXPECT_EQ(r.out, snap + "\n");
  EXPECT_NE(r.err.find("model.safetensors"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("100%"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_symlink(snap + "/model.safetensors"));
  EXPECT_FALSE(fs::exists(snap + "/pytorch_model.bin"));

  const std::string input = "{\"text\": \"hello world\"}\n";
  const auto local =
      run_cli("embed --model " + shell_quote(lightbert::testing::test_data("tiny-bert")), input);
  const auto cached = run_cli("embed --model acme/tiny-bert", input);
  // The cached snapshot behaves exactly as the folder it was served from (this test is about
  // the resolution; the embedding itself is checked by the model's own tests).
  EXPECT_EQ(cached.exit_code, local.exit_code) << cached.err;
  EXPECT_EQ(cached.out, local.out);
  EXPECT_EQ(cached.err, local.err);
  EXPECT_EQ(cached.err.find("lightbert download"), std::string::npos) << cached.err;

  hub_.clear_log();
  const auto offline = run_cli("download acme/tiny-bert --offline", "");
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(offline.out, snap + "\n");
  EXPECT_TRUE(hub_.requests().empty());
}

TEST_F(HubCli, ErrorsAreOneLineAndNonZero) {
  auto r = run_cli("download acme/absent", "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("repository not found"), std::string::npos) << r.err;

  hub_.clear_log();
  r = run_cli("download acme/tiny-bert --offline --cache-dir " + shell_quote(cache_ + "/empty"),
              "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("offline"), std::string::npos) << r.err;
  EXPECT_TRUE(hub_.requests().empty());

  r = run_cli("tokenize --model acme/not-downloaded", "{\"text\": \"hi\"}\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lightbert download acme/not-downloaded"), std::string::npos) << r.err;

  r = run_cli("download", "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("expected one repo id"), std::string::npos) << r.err;

  for (const auto* out : {&r.err}) EXPECT_EQ(out->find('\n'), out->size() - 1) << *out;
}

}  // namespace
