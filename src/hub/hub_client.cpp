// hub/hub_client.cpp: listing, HEAD metadata, retried and verified blob downloads (hub_client.h).
#include "hub/hub_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "formats/json_limits.h"
#include "hub/hub_cache.h"
#include "hub/progress.h"
#include "hub/sha.h"
#include "lightbert/error.h"

namespace fs = std::filesystem;

namespace lightbert::hub {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// "http://host:port" of a URL (for relative redirects).
std::string origin_of(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

bool transient(const HttpResponse& r) {
  return !r.transport_ok() || r.status == 429 || r.status >= 500;
}

bool all_hex(const std::string& s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

uint64_t parse_size(const std::string& s, const std::string& what) {
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kFormat, what + ": hub sent an invalid size '" + s + "'");
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

}  // namespace

std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

HubClient::HubClient(const std::string& repo_id, const DownloadOptions& opts)
    : repo_id_(repo_id),
      endpoint_(opts.endpoint.empty() ? env_or("HF_ENDPOINT", "https://huggingface.co")
                                      : opts.endpoint),
      progress_(opts.progress),
      max_retries_(std::max(0, opts.max_retries)),
      retry_delay_ms_(std::max(0, opts.retry_delay_ms)),
      http_(HttpSettings{opts.token.empty() ? env_or("HF_TOKEN", "") : opts.token,
                         std::max(1, opts.connect_timeout_s), std::max(1, opts.stall_timeout_s)}) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  has_token_ = !(opts.token.empty() ? env_or("HF_TOKEN", "") : opts.token).empty();
}

template <typename Fn>
HttpResponse HubClient::with_retries(const std::string& what, Fn&& request) {
  HttpResponse res;
  for (int attempt = 0;; ++attempt) {
    res = request();
    if (!transient(res) || attempt >= max_retries_) break;
    const int delay = std::min(retry_delay_ms_ << std::min(attempt, 10), 30000);
    if (progress_) {
      std::fprintf(stderr, "%s: %s; retrying in %d ms\n", what.c_str(),
                   res.transport_ok() ? ("HTTP " + std::to_string(res.status)).c_str()
                                      : res.transport_error.c_str(),
                   delay);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  return res;
}

void HubClient::fail(const HttpResponse& res, const std::string& what) const {
  const std::string tries = " (after " + std::to_string(max_retries_ + 1) + " tries)";
  if (!res.transport_ok()) {
    throw Error(ErrorCode::kIo, what + ": cannot download from " + endpoint_ + ": " +
                                    res.transport_error + tries +
                                    "; check the network or HF_ENDPOINT, or use --offline");
  }
  const std::string code = res.header("x-error-code");
  const std::string status = "HTTP " + std::to_string(res.status);
  if (res.status == 401 || res.status == 403 || code == "GatedRepo") {
    throw Error(ErrorCode::kInvalidArgument,
                what + ": " + status + ": " + repo_id_ +
                    " is private or gated (or does not exist); " +
                    (has_token_ ? "the token in HF_TOKEN has no access to it"
                                : "set HF_TOKEN to a Hugging Face token with access to it"));
  }
  if (res.status == 404) {
    std::string why = code == "RevisionNotFound" ? "revision not found"
                      : code == "EntryNotFound"  ? "file not found"
                      : code == "RepoNotFound"   ? "repository not found"
                                                 : "repository, revision or file not found";
    throw Error(ErrorCode::kNotFound, what + ": " + status + ": " + why + " on " + endpoint_);
  }
  throw Error(res.status >= 500 ? ErrorCode::kIo : ErrorCode::kFormat,
              what + ": " + status + " from " + endpoint_ + (res.status >= 500 ? tries : ""));
}

RepoInfo HubClient::repo_info(const std::string& revision) {
  const std::string what = repo_id_ + " at revision " + revision;
  const std::string url =
      endpoint_ + "/api/models/" + repo_id_ + "/revision/" + url_quote(revision, false);
  HttpResponse res = with_retries(what, [&] { return http_.get_text(url, 64u << 20); });
  if (transient(res) || res.status != 200) fail(res, what);
  RepoInfo info;
  try {
    formats::check_json_depth(res.body, what + ": answer from " + url);
    const auto j = nlohmann::json::parse(res.body);
    info.commit = j.at("sha").get<std::string>();
    for (const auto& s : j.at("siblings"))
      info.files.push_back(s.at("rfilename").get<std::string>());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kFormat, what + ": unexpected answer from " + url + ": " + e.what());
  }
  if (!is_commit_hash(info.commit)) {
    throw Error(ErrorCode::kFormat, what + ": hub sent an invalid commit '" + info.commit + "'");
  }
  for (const auto& f : info.files) validate_repo_file(f);
  return info;
}

FileMeta HubClient::file_meta(const std::string& commit, const std::string& path) {
  std::string url = endpoint_ + "/" + repo_id_ + "/resolve/" + commit + "/" + url_quote(path, true);
  HttpResponse res;
  for (int hops = 0;; ++hops) {  // follow relative redirects only (renamed repos)
    res = with_retries(path, [&] { return http_.head(url); });
    const std::string loc = res.header("location");
    if (transient(res) || res.status < 300 || res.status >= 400 || loc.empty() || loc[0] != '/' ||
        hops >= 5) {
      break;
    }
    url = origin_of(endpoint_) + loc;
  }
  if (transient(res) || res.status >= 400 || res.status < 200) fail(res, path);
  FileMeta meta;
  meta.commit = res.header("x-repo-commit");
  std::string etag = res.header("x-linked-etag");
  meta.etag = normalize_etag(etag.empty() ? res.header("etag") : etag);
  std::string size = res.header("x-linked-size");
  if (size.empty()) size = res.header("content-length");
  if (meta.etag.empty() || size.empty()) {
    throw Error(ErrorCode::kFormat, path + ": the hub's answer has no ETag or size header");
  }
  meta.size = parse_size(size, path);
  meta.download_url = url;
  if (res.status >= 300 && res.status < 400) {
    const std::string loc = res.header("location");
    if (loc.empty()) throw Error(ErrorCode::kFormat, path + ": redirect without a Location");
    meta.download_url = loc[0] == '/' ? origin_of(endpoint_) + loc : loc;
  }
  if (!meta.commit.empty() && meta.commit != commit) {
    throw Error(ErrorCode::kFormat, path + ": hub answered commit " + meta.commit +
                                        " for a request at commit " + commit);
  }
  return meta;
}

void HubClient::fetch_blob(const FileMeta& meta, const std::string& blob_path,
                           const std::string& path) {
  const std::string partial = blob_path + ".incomplete";
  std::error_code ec;
  fs::create_directories(fs::path(blob_path).parent_path(), ec);
  if (ec) throw Error(ErrorCode::kIo, blob_path + ": cannot create its folder: " + ec.message());
  if (fs::exists(partial, ec) && fs::file_size(partial, ec) > meta.size) remove_quietly(partial);

  Progress progress(progress_, path, meta.size);
  // Like huggingface_hub: the token goes to the hub only, not to a CDN on another host.
  const bool same_host = origin_of(meta.download_url) == origin_of(endpoint_);
  auto attempt = [&] {
    return http_.download_to(meta.download_url, partial, meta.size, same_host,
                             [&](uint64_t done) { progress.update(done); });
  };
  HttpResponse res = with_retries(path, attempt);
  if (res.transport_ok() && res.status == 416) {  // stale partial file: start over once
    remove_quietly(partial);
    res = with_retries(path, attempt);
  }
  if (transient(res) || res.status < 200 || res.status >= 300) {
    if (res.transport_ok() && !transient(res)) remove_quietly(partial);
    fail(res, path);
  }

  const uint64_t got = fs::file_size(partial, ec);
  if (ec || got != meta.size) {
    remove_quietly(partial);
    throw Error(ErrorCode::kFormat, path + ": downloaded " + std::to_string(ec ? 0 : got) +
                                        " bytes, expected " + std::to_string(meta.size) +
                                        "; the partial file was deleted");
  }
  std::string kind, actual;
  if (meta.etag.size() == 64 && all_hex(meta.etag)) {
    kind = "sha256";
    actual = sha256_file(partial);
  } else if (meta.etag.size() == 40 && all_hex(meta.etag)) {
    kind = "git sha1";
    actual = git_blob_sha1_file(partial);
  }
  std::string expected = meta.etag;
  for (char& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!kind.empty() && actual != expected) {
    remove_quietly(partial);
    throw Error(ErrorCode::kFormat, path + ": " + kind + " mismatch (got " + actual +
                                        ", expected " + meta.etag +
                                        "); the corrupted download was deleted");
  }
  fs::rename(partial, blob_path, ec);
  if (ec) throw Error(ErrorCode::kIo, blob_path + ": cannot move the download in: " + ec.message());
  progress.finish();
}

}  // namespace lightbert::hub
