// hub/hub_download.cpp: lightbert::hub::download (lightbert/hub.h): lists the repo at a
// revision, picks the files lightbert reads (pytorch_model.bin only when there is no
// safetensors file), fetches each into the cache unless its snapshot entry is already there, and
// records refs/{revision}.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "formats/json_limits.h"
#include "formats/model_family.h"
#include "hub/hub_cache.h"
#include "hub/hub_client.h"
#include "hub/progress.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"

namespace lightbert::hub {

namespace {

// Besides config.json and the family table's tokenizer files (formats::tokenizer_folder_files()):
// the sentence-transformers files (modules.json and its modules' configs are fetched after).
const char* const kSentenceTransformersFiles[] = {
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
};

bool env_truthy(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  std::string s(v);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

nlohmann::json read_json_file(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  formats::check_json_depth(text, name);
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kFormat, name + ": invalid JSON: " + e.what());
  }
}

class Fetcher {
 public:
  Fetcher(const std::string& repo_id, const DownloadOptions& opts)
      : opts_(opts), repo_id_(repo_id), cache_(opts.cache_dir, repo_id), client_(repo_id, opts) {}

  std::string run() {
    const RepoInfo info = client_.repo_info(opts_.revision);
    commit_ = info.commit;
    listed_ = std::set<std::string>(info.files.begin(), info.files.end());
    fetch_if_listed("config.json");
    for (const std::string& name : formats::tokenizer_folder_files()) fetch_if_listed(name);
    for (const char* name : kSentenceTransformersFiles) fetch_if_listed(name);
    // The weights, in the order Checkpoint::open_folder prefers them.
    if (listed_.count("model.safetensors")) {
      fetch("model.safetensors");
    } else if (listed_.count("model.safetensors.index.json")) {
      fetch_shards("model.safetensors.index.json");
    } else if (listed_.count("pytorch_model.bin")) {
      fetch("pytorch_model.bin");
    } else if (listed_.count("pytorch_model.bin.index.json")) {
      fetch_shards("pytorch_model.bin.index.json");
    } else if (opts_.progress) {
      std::fprintf(stderr,
                   "warning: %s has no model.safetensors or pytorch_model.bin; no weights can "
                   "be loaded (tokenize still works)\n",
                   repo_id_.c_str());
    }
    if (listed_.count("modules.json")) fetch_module_configs();
    if (fetched_ == 0) {
      throw Error(ErrorCode::kUnsupported,
                  repo_id_ + " has none of the files lightbert reads (config.json, tokenizer)");
    }
    if (opts_.revision != commit_) cache_.write_ref(opts_.revision, commit_);
    return cache_.snapshot_dir(commit_);
  }

 private:
  void fetch_if_listed(const std::string& path) {
    if (listed_.count(path)) fetch(path);
  }

  // One file into blobs/ + snapshots/ (skipped when its snapshot entry already resolves).
  void fetch(const std::string& path) {
    if (!done_.insert(path).second) return;
    ++fetched_;
    if (cache_.has_snapshot_file(commit_, path)) {
      Progress(opts_.progress, path, 0).finish("already in the cache");
      return;
    }
    const FileMeta meta = client_.file_meta(commit_, path);
    const std::string blob = cache_.blob_path(meta.etag);
    std::error_code ec;
    const bool have = std::filesystem::is_regular_file(blob, ec) &&
                      std::filesystem::file_size(blob, ec) == meta.size;
    if (have) {
      Progress(opts_.progress, path, meta.size).finish("blob already in the cache");
    } else {
      client_.fetch_blob(meta, blob, path);
    }
    cache_.link_snapshot_file(commit_, path, meta.etag);
  }

  void fetch_shards(const std::string& index) {
    fetch(index);
    const auto j = read_json_file(cache_.snapshot_file(commit_, index), index);
    std::set<std::string> shards;
    try {
      for (const auto& [tensor, file] : j.at("weight_map").items()) {
        shards.insert(file.get<std::string>());
      }
    } catch (const std::exception& e) {
      throw Error(ErrorCode::kFormat, index + ": no usable weight_map: " + e.what());
    }
    for (const auto& shard : shards) {
      if (!listed_.count(shard)) {
        throw Error(ErrorCode::kNotFound,
                    index + " names shard '" + shard + "', which the repository does not have");
      }
      fetch(shard);
    }
  }

  // modules.json, then {module path}/config.json for each sentence-transformers module, and a
  // Dense module's weights ({module path}/model.safetensors, else pytorch_model.bin).
  void fetch_module_configs() {
    fetch("modules.json");
    const auto j = read_json_file(cache_.snapshot_file(commit_, "modules.json"), "modules.json");
    if (!j.is_array()) return;
    for (const auto& m : j) {
      if (!m.is_object() || !m.contains("path") || !m["path"].is_string()) continue;
      std::string dir = m["path"].get<std::string>();
      while (!dir.empty() && dir.back() == '/') dir.pop_back();
      if (dir.empty()) continue;
      fetch_if_listed(dir + "/config.json");
      if (m.contains("type") && m["type"] == "sentence_transformers.models.Dense") {
        if (listed_.count(dir + "/model.safetensors")) {
          fetch(dir + "/model.safetensors");
        } else {
          fetch_if_listed(dir + "/pytorch_model.bin");
        }
      }
    }
  }

  const DownloadOptions& opts_;
  std::string repo_id_;
  RepoCache cache_;
  HubClient client_;
  std::string commit_;
  std::set<std::string> listed_, done_;
  int fetched_ = 0;
};

}  // namespace

std::string download(const std::string& repo_id, const DownloadOptions& opts) {
  validate_repo_id(repo_id);
  validate_revision(opts.revision);
  if (opts.offline || env_truthy("HF_HUB_OFFLINE")) {
    try {
      return cached_snapshot(repo_id, opts.revision, opts.cache_dir);
    } catch (const Error& e) {
      throw Error(e.code(), std::string("offline (--offline or HF_HUB_OFFLINE): ") + e.what());
    }
  }
  return Fetcher(repo_id, opts).run();
}

}  // namespace lightbert::hub
