// tests/unit/hub_download_test.cpp: lightbert::hub::download against the fake hub on loopback:
// cache layout, no second transfer, resume, Range ignored, corruption, HTTP errors, retries,
// timeouts, offline mode, revisions and sharded checkpoints.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "support/fake_hub.h"
#include "support/test_paths.h"

namespace fs = std::filesystem;
using lightbert::Error;
using lightbert::ErrorCode;
using lightbert::testing::FakeHub;
using lightbert::testing::FakeRepoFile;
using lightbert::testing::read_file;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kRepo = "acme/tiny";

std::string bytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = static_cast<char>(seed >> 16);
  }
  return s;
}

const std::string kModules =
    R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},)"
    R"({"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}])";

std::vector<FakeRepoFile> repo_files() {
  return {
      {"config.json", R"({"model_type": "bert", "hidden_size": 32})", false},
      {"tokenizer.json", "{\"version\": \"1.0\"}", false},
      {"vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n", false},
      {"model.safetensors", bytes(300000, 7), true},
      {"modules.json", kModules, false},
      {"1_Pooling/config.json", R"({"pooling_mode_mean_tokens": true})", false},
      {"pytorch_model.bin", bytes(5000, 9), true},  // not used by lightbert: never fetched
      {"README.md", "# tiny\n", false},
      {"onnx/model.onnx", bytes(4000, 3), true},
  };
}

class HubDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("HF_HUB_OFFLINE");
    ::unsetenv("HF_TOKEN");
    cache_ = lightbert::testing::make_temp_dir("hub-cache");
    hub_.add_repo(kRepo, kCommit, repo_files());
    opts_.endpoint = hub_.endpoint();
    opts_.cache_dir = cache_;
    opts_.max_retries = 2;
    opts_.retry_delay_ms = 10;
    opts_.connect_timeout_s = 2;
    opts_.stall_timeout_s = 5;
  }
  void TearDown() override { fs::remove_all(cache_); }

  std::string repo_dir() const { return cache_ + "/models--acme--tiny"; }
  std::string blob(const std::string& content, bool lfs) const {
    return repo_dir() + "/blobs/" +
           (lfs ? FakeHub::sha256(content) : FakeHub::git_blob_sha1(content));
  }
  static const FakeRepoFile& file(const std::string& path) {
    static const auto files = repo_files();
    for (const auto& f : files) {
      if (f.path == path) return f;
    }
    throw std::runtime_error("no file " + path);
  }
  // Runs download() expecting a lightbert::Error; returns it.
  Error expect_error(const std::string& repo) {
    try {
      lightbert::hub::download(repo, opts_);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "download of " << repo << " did not throw";
    return Error(ErrorCode::kInternal, "");
  }

  FakeHub hub_;
  std::string cache_;
  lightbert::hub::DownloadOptions opts_;
};

const std::vector<std::string> kWanted = {"config.json",  "tokenizer.json",
                                          "vocab.txt",    "model.safetensors",
                                          "modules.json", "1_Pooling/config.json"};

TEST_F(HubDownload, FullDownloadLaysOutBlobsSnapshotsAndRefs) {
  const std::string snap = lightbert::hub::download(kRepo, opts_);
  EXPECT_EQ(snap, repo_dir() + "/snapshots/" + kCommit);
  std::set<std::string> expected_blobs;
  for (const auto& path : kWanted) {
    const FakeRepoFile& f = file(path);
    const fs::path link = snap + "/" + path;
    ASSERT_TRUE(fs::is_symlink(link)) << path;
    const std::string etag = f.lfs ? FakeHub::sha256(f.content) : FakeHub::git_blob_sha1(f.content);
    const std::string up = path.find('/') == std::string::npos ? "../../" : "../../../";
    EXPECT_EQ(fs::read_symlink(link).string(), up + "blobs/" + etag) << path;
    EXPECT_EQ(read_file(link.string()), f.content) << path;
    expected_blobs.insert(etag);
  }
  std::set<std::string> blobs;
  for (const auto& e : fs::directory_iterator(repo_dir() + "/blobs")) {
    blobs.insert(e.path().filename().string());
  }
  EXPECT_EQ(blobs, expected_blobs);  // nothing else, no *.incomplete
  EXPECT_EQ(read_file(repo_dir() + "/refs/main"), kCommit);
  EXPECT_FALSE(fs::exists(snap + "/pytorch_model.bin"));
  EXPECT_EQ(hub_.count("", "pytorch_model.bin"), 0);
  EXPECT_EQ(hub_.count("", "README.md"), 0);
  EXPECT_EQ(hub_.count("", "onnx"), 0);
  EXPECT_EQ(hub_.count("GET", "/api/models/acme/tiny/revision/main"), 1);
  EXPECT_EQ(hub_.count("HEAD", "/resolve/" + kCommit + "/model.safetensors"), 1);
  EXPECT_EQ(hub_.count("GET", "/cdn/"), 1);  // the LFS file came through the redirect
}

// RoBERTa / ALBERT / XLM-R repos: their tokenizer files are fetched too (no vocab.txt there).
TEST_F(HubDownload, FetchesBpeAndSentencePieceTokenizerFiles) {
  const std::string commit = "89abcdef0123456789abcdef0123456789abcdef";
  const std::vector<FakeRepoFile> files = {
      {"config.json", R"({"model_type": "roberta"})", false},
      {"vocab.json", R"({"<s>": 0, "</s>": 2})", false},
      {"merges.txt", "#version: 0.2\nh e\n", false},
      {"spiece.model", bytes(3000, 5), true},
      {"sentencepiece.bpe.model", bytes(2000, 6), true},
      {"added_tokens.json", R"({"<extra>": 5})", false},
      {"model.safetensors", bytes(1000, 4), true},
      {"tf_model.h5", bytes(1000, 8), true},  // not read by lightbert: never fetched
  };
  hub_.add_repo("acme/bpe", commit, files);
  const std::string snap = lightbert::hub::download("acme/bpe", opts_);
  for (const FakeRepoFile& f : files) {
    if (f.path == "tf_model.h5") {
      EXPECT_FALSE(fs::exists(snap + "/" + f.path));
    } else {
      EXPECT_EQ(read_file(snap + "/" + f.path), f.content) << f.path;
    }
  }
  EXPECT_EQ(hub_.count("", "tf_model.h5"), 0);
}

TEST_F(HubDownload, SecondDownloadTransfersNothing) {
  const std::string first = lightbert::hub::download(kRepo, opts_);
  hub_.clear_log();
  EXPECT_EQ(lightbert::hub::download(kRepo, opts_), first);
  EXPECT_EQ(hub_.count("GET", "/resolve/"), 0);
  EXPECT_EQ(hub_.count("HEAD", ""), 0);
  EXPECT_EQ(hub_.count("", "/cdn/"), 0);
  EXPECT_EQ(hub_.requests().size(), 1u);  // the listing only
}

TEST_F(HubDownload, ResumesAfterTheConnectionDropsMidway) {
  hub_.cut_once("model.safetensors", 100000);
  const std::string snap = lightbert::hub::download(kRepo, opts_);
  bool resumed = false;
  for (const auto& r : hub_.requests())
    resumed |= r.path.find("/cdn/") == 0 && r.range == "bytes=100000-";
  EXPECT_TRUE(resumed);
  EXPECT_EQ(hub_.count("GET", "/cdn/"), 2);
  const std::string content = file("model.safetensors").content;
  EXPECT_EQ(FakeHub::sha256(read_file(snap + "/model.safetensors")), FakeHub::sha256(content));
}

TEST_F(HubDownload, ResumesAPartialFileLeftByAnEarlierRun) {
  const std::string content = file("model.safetensors").content;
  const std::string b = blob(content, true);
  fs::create_directories(repo_dir() + "/blobs");
  lightbert::testing::write_file(b + ".incomplete", content.substr(0, 123456));
  opts_.max_retries = 0;
  const std::string snap = lightbert::hub::download(kRepo, opts_);
  ASSERT_EQ(hub_.count("GET", "/cdn/"), 1);
  for (const auto& r : hub_.requests()) {
    if (r.path.find("/cdn/") == 0) {
      EXPECT_EQ(r.range, "bytes=123456-");
    }
  }
  EXPECT_EQ(read_file(snap + "/model.safetensors"), content);
  EXPECT_FALSE(fs::exists(b + ".incomplete"));
}

TEST_F(HubDownload, ServerIgnoringRangeRestartsCleanly) {
  const std::string content = file("model.safetensors").content;
  const std::string b = blob(content, true);
  fs::create_directories(repo_dir() + "/blobs");
  lightbert::testing::write_file(b + ".incomplete", std::string(5000, 'x'));  // stale bytes
  hub_.ignore_range(true);
  const std::string snap = lightbert::hub::download(kRepo, opts_);
  EXPECT_EQ(read_file(snap + "/model.safetensors"), content);
}

TEST_F(HubDownload, CorruptedLfsFileIsRejectedAndNotCached) {
  hub_.corrupt("model.safetensors");
  const Error e = expect_error(kRepo);
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("sha256 mismatch"), std::string::npos) << e.what();
  const std::string b = blob(file("model.safetensors").content, true);
  EXPECT_FALSE(fs::exists(b));
  EXPECT_FALSE(fs::exists(b + ".incomplete"));
  EXPECT_FALSE(fs::exists(repo_dir() + "/snapshots/" + kCommit + "/model.safetensors"));
}

TEST_F(HubDownload, CorruptedPlainFileFailsTheGitSha1Check) {
  hub_.corrupt("vocab.txt");
  const Error e = expect_error(kRepo);
  EXPECT_NE(std::string(e.what()).find("vocab.txt: git sha1 mismatch"), std::string::npos)
      << e.what();
  EXPECT_FALSE(fs::exists(blob(file("vocab.txt").content, false)));
}

TEST_F(HubDownload, UnauthorizedSaysToSetHfToken) {
  hub_.require_token("s3cret");
  const Error e = expect_error(kRepo);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(std::string(e.what()).find("HTTP 401"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("set HF_TOKEN"), std::string::npos) << e.what();

  ::setenv("HF_TOKEN", "s3cret", 1);
  hub_.clear_log();
  EXPECT_NO_THROW(lightbert::hub::download(kRepo, opts_));
  ::unsetenv("HF_TOKEN");
  int cdn = 0;
  for (const auto& r : hub_.requests()) {
    if (r.path.find("/cdn/") == 0) {
      ++cdn;
      EXPECT_FALSE(r.authorized) << "token leaked to the CDN host";
    } else {
      EXPECT_TRUE(r.authorized) << r.path;
    }
  }
  EXPECT_EQ(cdn, 1);
}

TEST_F(HubDownload, NotFoundNamesRepoOrRevision) {
  Error e = expect_error("acme/missing");
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(e.what()).find("repository not found"), std::string::npos) << e.what();
  opts_.revision = "no-such-branch";
  e = expect_error(kRepo);
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(e.what()).find("revision not found"), std::string::npos) << e.what();
}

TEST_F(HubDownload, ServerErrorsAreRetriedThenReported) {
  hub_.fail_next(2, 503);
  EXPECT_NO_THROW(lightbert::hub::download(kRepo, opts_));
  fs::remove_all(repo_dir());
  hub_.fail_next(100, 503);
  const Error e = expect_error(kRepo);
  EXPECT_EQ(e.code(), ErrorCode::kIo);
  EXPECT_NE(std::string(e.what()).find("HTTP 503"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("after 3 tries"), std::string::npos) << e.what();
  hub_.fail_next(0, 0);
}

TEST_F(HubDownload, ConnectionRefusedIsAClearError) {
  std::string endpoint;
  {
    FakeHub closed;  // take a free port, then let it go
    endpoint = closed.endpoint();
  }
  opts_.endpoint = endpoint;
  const auto start = std::chrono::steady_clock::now();
  const Error e = expect_error(kRepo);
  EXPECT_EQ(e.code(), ErrorCode::kIo);
  EXPECT_NE(std::string(e.what()).find("cannot download from " + endpoint), std::string::npos)
      << e.what();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(HubDownload, StalledTransferTimesOut) {
  hub_.stall("model.safetensors", 3);
  opts_.stall_timeout_s = 1;
  opts_.max_retries = 0;
  const auto start = std::chrono::steady_clock::now();
  const Error e = expect_error(kRepo);
  EXPECT_EQ(e.code(), ErrorCode::kIo);
  EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(HubDownload, OfflineUsesTheCacheOnly) {
  opts_.offline = true;
  Error e = expect_error(kRepo);
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(std::string(e.what()).find("offline"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("lightbert download acme/tiny"), std::string::npos);

  opts_.offline = false;
  const std::string snap = lightbert::hub::download(kRepo, opts_);
  hub_.clear_log();
  opts_.offline = true;
  EXPECT_EQ(lightbert::hub::download(kRepo, opts_), snap);
  opts_.offline = false;
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  EXPECT_EQ(lightbert::hub::download(kRepo, opts_), snap);
  opts_.revision = "v2";
  e = expect_error(kRepo);
  ::unsetenv("HF_HUB_OFFLINE");
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(hub_.requests().empty());
}

TEST_F(HubDownload, RevisionsWriteTheirRefs) {
  hub_.add_repo(kRepo, kCommit, repo_files(), "v1");
  opts_.revision = "v1";
  const std::string snap = lightbert::hub::download(kRepo, opts_);
  EXPECT_EQ(read_file(repo_dir() + "/refs/v1"), kCommit);
  EXPECT_FALSE(fs::exists(repo_dir() + "/refs/main"));
  opts_.revision = kCommit;  // a commit hash needs no ref
  EXPECT_EQ(lightbert::hub::download(kRepo, opts_), snap);
  EXPECT_FALSE(fs::exists(repo_dir() + "/refs/" + kCommit));
}

TEST_F(HubDownload, ShardedCheckpointFetchesIndexAndShards) {
  const std::string index =
      R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",)"
      R"( "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}})";
  hub_.add_repo("acme/sharded", kCommit,
                {{"config.json", "{}", false},
                 {"model.safetensors.index.json", index, false},
                 {"model-00001-of-00002.safetensors", bytes(20000, 1), true},
                 {"model-00002-of-00002.safetensors", bytes(30000, 2), true},
                 {"model-00003-of-00003.safetensors", bytes(100, 4), true}});
  const std::string snap = lightbert::hub::download("acme/sharded", opts_);
  EXPECT_EQ(read_file(snap + "/model-00001-of-00002.safetensors"), bytes(20000, 1));
  EXPECT_EQ(read_file(snap + "/model-00002-of-00002.safetensors"), bytes(30000, 2));
  EXPECT_TRUE(fs::exists(snap + "/model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(snap + "/model-00003-of-00003.safetensors"));
}

}  // namespace
