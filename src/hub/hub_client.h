// hub/hub_client.h: the Hugging Face hub's HTTP protocol, as huggingface_hub speaks it.
// Contract: repo_info() reads {endpoint}/api/models/{repo}/revision/{rev}; file_meta() does the
// HEAD on {endpoint}/{repo}/resolve/{commit}/{path} (following only relative redirects) and
// reads X-Repo-Commit, X-Linked-Etag / ETag, X-Linked-Size / Content-Length and the CDN
// Location; fetch_blob() downloads into {blob}.incomplete (resuming it with Range), checks size
// and sha256 (LFS) or git blob sha1 and renames it to {blob}; a bad file is deleted. Connection
// failures, 429 and 5xx are retried with exponential back-off; everything else, and a failure
// after the last retry, throws lightbert::Error with one line naming the repo or file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hub/http_client.h"
#include "lightbert/hub.h"

namespace lightbert::hub {

struct RepoInfo {
  std::string commit;              // "sha"
  std::vector<std::string> files;  // "siblings"[].rfilename
};

struct FileMeta {
  std::string commit;  // X-Repo-Commit (empty when absent)
  std::string etag;    // normalised: no W/ prefix, no quotes
  uint64_t size = 0;
  std::string download_url;  // the CDN location for LFS files, else the resolve URL
};

class HubClient {
 public:
  HubClient(const std::string& repo_id, const DownloadOptions& opts);

  RepoInfo repo_info(const std::string& revision);
  FileMeta file_meta(const std::string& commit, const std::string& path);
  // Downloads meta.download_url to blob_path (see above); `path` names the file in messages.
  void fetch_blob(const FileMeta& meta, const std::string& blob_path, const std::string& path);

  const std::string& endpoint() const { return endpoint_; }

 private:
  template <typename Fn>
  HttpResponse with_retries(const std::string& what, Fn&& request);
  [[noreturn]] void fail(const HttpResponse& res, const std::string& what) const;

  std::string repo_id_;
  std::string endpoint_;
  bool has_token_;
  bool progress_;
  int max_retries_;
  int retry_delay_ms_;
  HttpClient http_;
};

std::string normalize_etag(std::string etag);

}  // namespace lightbert::hub
