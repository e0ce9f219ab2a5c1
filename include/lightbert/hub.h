// lightbert/hub.h: downloading models from the Hugging Face hub and finding them in its cache.
// Contract: download() fetches only the files lightbert reads (config, tokenizer, weights:
// safetensors, else pytorch_model.bin; sentence-transformers settings) into a cache laid out exactly like huggingface_hub's
// ({cache}/models--ORG--NAME/{blobs,snapshots,refs}), verifying size and sha256 / git sha1, and
// returns the snapshot folder. resolve_model_path() turns a --model argument (a folder, or a
// repo id ORG/NAME[@REV] already in the cache) into a folder. Every failure (network, HTTP
// status, bad checksum, missing cache entry) throws lightbert::Error with a one-line message.
#pragma once

#include <string>

namespace lightbert::hub {

struct DownloadOptions {
  std::string revision = "main";  // branch, tag or commit hash
  std::string cache_dir;          // empty: default_cache_dir()
  std::string endpoint;           // empty: $HF_ENDPOINT, else https://huggingface.co
  std::string token;              // empty: $HF_TOKEN (sent as "Authorization: Bearer")
  bool offline = false;           // also when $HF_HUB_OFFLINE is 1/true/yes: cache only
  bool progress = false;          // progress lines on stderr
  int max_retries = 4;            // extra tries after a connection failure or HTTP 5xx/429
  int retry_delay_ms = 500;       // first back-off delay; doubles on each retry
  int connect_timeout_s = 10;     // to establish a connection
  int stall_timeout_s = 30;       // a transfer that moves no byte for this long fails
};

// {cache}: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
std::string default_cache_dir();

// Downloads `repo_id` ("ORG/NAME" or "NAME") at opts.revision; returns the snapshot folder
// {cache}/models--ORG--NAME/snapshots/{commit}. Complete blobs already cached are not fetched
// again; partial ones ({blob}.incomplete) are resumed.
std::string download(const std::string& repo_id, const DownloadOptions& opts = {});

// The snapshot folder of `repo_id` at `revision` in the cache, without any network access;
// throws kNotFound (naming `lightbert download`) when it is not there.
std::string cached_snapshot(const std::string& repo_id, const std::string& revision = "main",
                            const std::string& cache_dir = "");

// `model_arg` itself when it is an existing path; else, for "ORG/NAME", "NAME" or
// "ORG/NAME@REV", the cached snapshot folder (revision main by default); else kNotFound.
std::string resolve_model_path(const std::string& model_arg, const std::string& cache_dir = "");

}  // namespace lightbert::hub
