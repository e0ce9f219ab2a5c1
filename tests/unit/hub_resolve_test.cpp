// tests/unit/hub_resolve_test.cpp: resolve_model_path / cached_snapshot over a hand-built cache,
// the default cache folder, repo id validation and the checksums (no network).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "hub/hub_cache.h"
#include "hub/sha.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "support/test_paths.h"

namespace fs = std::filesystem;
using lightbert::Error;
using lightbert::ErrorCode;
namespace hub = lightbert::hub;

namespace {

const std::string kMain = "1111111111111111111111111111111111111111";
const std::string kV2 = "2222222222222222222222222222222222222222";

class HubResolve : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = lightbert::testing::make_temp_dir("hub-resolve");
    const std::string repo = cache_ + "/models--acme--tiny";
    fs::create_directories(repo + "/snapshots/" + kMain);
    fs::create_directories(repo + "/snapshots/" + kV2);
    fs::create_directories(repo + "/refs");
    lightbert::testing::write_file(repo + "/refs/main", kMain);
    lightbert::testing::write_file(repo + "/refs/v2", kV2 + "\n");
    lightbert::testing::write_file(repo + "/refs/broken", "not-a-commit");
  }
  void TearDown() override { fs::remove_all(cache_); }

  std::string not_found(const std::string& arg) {
    try {
      hub::resolve_model_path(arg, cache_);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound) << e.what();
      return e.what();
    }
    ADD_FAILURE() << arg << " resolved";
    return "";
  }

  std::string cache_;
};

TEST_F(HubResolve, ExistingPathIsReturnedAsIs) {
  const std::string local = lightbert::testing::test_data("tiny-bert");
  EXPECT_EQ(hub::resolve_model_path(local, cache_), local);
  EXPECT_EQ(hub::resolve_model_path(cache_, cache_), cache_);
}

TEST_F(HubResolve, RepoIdInTheCacheGivesTheSnapshotOfItsRef) {
  const std::string snaps = cache_ + "/models--acme--tiny/snapshots/";
  EXPECT_EQ(hub::resolve_model_path("acme/tiny", cache_), snaps + kMain);
  EXPECT_EQ(hub::resolve_model_path("acme/tiny@v2", cache_), snaps + kV2);
  EXPECT_EQ(hub::resolve_model_path("acme/tiny@" + kV2, cache_), snaps + kV2);
  EXPECT_EQ(hub::cached_snapshot("acme/tiny", "main", cache_), snaps + kMain);
}

TEST_F(HubResolve, MissingRepoSaysToDownloadIt) {
  std::string msg = not_found("acme/missing");
  EXPECT_NE(msg.find("run `lightbert download acme/missing` first"), std::string::npos) << msg;
  msg = not_found("acme/tiny@v3");
  EXPECT_NE(msg.find("lightbert download acme/tiny --revision v3"), std::string::npos) << msg;
  msg = not_found("acme/tiny@broken");  // a ref that names no commit is no hit
  EXPECT_NE(msg.find("not in the hub cache"), std::string::npos) << msg;
  msg = not_found("no/such/folder");
  EXPECT_NE(msg.find("no such file or folder"), std::string::npos) << msg;
  msg = not_found("../escape");
  EXPECT_NE(msg.find("no such file or folder"), std::string::npos) << msg;
}

TEST(HubCache, DefaultCacheDirFollowsHuggingFaceEnvironment) {
  const char* saved_home = std::getenv("HOME");
  const std::string home = saved_home ? saved_home : "";
  ::setenv("HF_HUB_CACHE", "/x/hub-cache", 1);
  ::setenv("HF_HOME", "/y/hf-home", 1);
  EXPECT_EQ(hub::default_cache_dir(), "/x/hub-cache");
  ::unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(hub::default_cache_dir(), "/y/hf-home/hub");
  ::unsetenv("HF_HOME");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(hub::default_cache_dir(), "/home/someone/.cache/huggingface/hub");
  if (saved_home) ::setenv("HOME", home.c_str(), 1);
}

TEST(HubCache, RepoIdsAndPathsAreValidated) {
  for (const char* ok :
       {"bert-base-uncased", "sentence-transformers/all-MiniLM-L6-v2", "a_b/c.d"}) {
    EXPECT_TRUE(hub::looks_like_repo_id(ok)) << ok;
  }
  for (const char* bad : {"", "a/b/c", "../x", "a--b/c", "a/.hidden", "-a/b", "a b/c", "a/b@c"}) {
    EXPECT_FALSE(hub::looks_like_repo_id(bad)) << bad;
  }
  EXPECT_THROW(hub::validate_repo_file("../etc/passwd"), Error);
  EXPECT_THROW(hub::validate_repo_file("/abs"), Error);
  EXPECT_THROW(hub::validate_repo_file("a/../../b"), Error);
  EXPECT_NO_THROW(hub::validate_repo_file("1_Pooling/config.json"));
  EXPECT_THROW(hub::validate_revision("../../x"), Error);
  hub::RepoCache cache("/c", "org/name");
  EXPECT_EQ(cache.root(), "/c/models--org--name");
  EXPECT_THROW(cache.blob_path("../x"), Error);
  EXPECT_THROW(cache.snapshot_dir("main"), Error);
}

TEST(HubSha, KnownDigests) {
  const std::string dir = lightbert::testing::make_temp_dir("hub-sha");
  lightbert::testing::write_file(dir + "/hello", "hello\n");
  lightbert::testing::write_file(dir + "/empty", "");
  // `git hash-object` and `sha256sum` of the same bytes.
  EXPECT_EQ(hub::git_blob_sha1_file(dir + "/hello"), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(hub::git_blob_sha1_file(dir + "/empty"), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(hub::sha256_file(dir + "/hello"),
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  EXPECT_EQ(hub::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THROW(hub::sha256_file(dir + "/absent"), Error);
  fs::remove_all(dir);
}

}  // namespace
