// hub/hub_cache.cpp: huggingface_hub's cache layout (hub_cache.h), the default cache folder and
// the offline look-up of a snapshot (lightbert/hub.h).
#include "hub/hub_cache.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "lightbert/error.h"
#include "lightbert/hub.h"

namespace fs = std::filesystem;

namespace lightbert::hub {

namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// One "ORG" or "NAME" part: [\w.-]+, not starting or ending with '-' or '.'.
bool valid_part(const std::string& p) {
  if (p.empty() || p.front() == '-' || p.front() == '.' || p.back() == '-' || p.back() == '.') {
    return false;
  }
  for (char c : p) {
    if (!name_char(c)) return false;
  }
  return true;
}

std::string expand_home(const std::string& p) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home != nullptr && *home != '\0') return std::string(home) + p.substr(1);
  }
  return p;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

bool looks_like_repo_id(const std::string& s) {
  if (s.empty() || s.size() > 96 || s.find("--") != std::string::npos ||
      s.find("..") != std::string::npos) {
    return false;
  }
  const size_t slash = s.find('/');
  if (slash == std::string::npos) return valid_part(s);
  return valid_part(s.substr(0, slash)) && valid_part(s.substr(slash + 1));
}

void validate_repo_id(const std::string& repo_id) {
  if (!looks_like_repo_id(repo_id)) {
    throw Error(ErrorCode::kInvalidArgument,
                "'" + repo_id + "' is not a hub repo id (expected ORG/NAME or NAME)");
  }
}

void validate_repo_file(const std::string& path) {
  bool ok = !path.empty() && path.size() < 1024 && path.front() != '/' && path.back() != '/' &&
            path.find("//") == std::string::npos && path.find('\\') == std::string::npos;
  size_t start = 0;
  while (ok && start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    ok = part != "." && part != "..";
    start = end + 1;
  }
  for (char c : path) ok = ok && static_cast<unsigned char>(c) >= 0x20;
  if (!ok) throw Error(ErrorCode::kFormat, "hub listed an unsafe file name '" + path + "'");
}

void validate_revision(const std::string& revision) {
  bool ok = !revision.empty() && revision.size() < 256 && revision.front() != '/' &&
            revision.find("..") == std::string::npos && revision.find('\\') == std::string::npos;
  for (char c : revision) ok = ok && static_cast<unsigned char>(c) > 0x20;
  if (!ok) throw Error(ErrorCode::kInvalidArgument, "invalid revision '" + revision + "'");
}

bool is_commit_hash(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}

std::string default_cache_dir() {
  if (std::string v = env("HF_HUB_CACHE"); !v.empty()) return expand_home(v);
  if (std::string v = env("HF_HOME"); !v.empty()) return expand_home(v) + "/hub";
  if (std::string v = env("XDG_CACHE_HOME"); !v.empty()) return v + "/huggingface/hub";
  const std::string home = env("HOME");
  if (home.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "no cache folder: set HF_HUB_CACHE or HOME");
  }
  return home + "/.cache/huggingface/hub";
}

RepoCache::RepoCache(const std::string& cache_dir, const std::string& repo_id) {
  validate_repo_id(repo_id);
  std::string folder = "models--" + repo_id;
  if (const size_t slash = folder.find('/'); slash != std::string::npos) {
    folder.replace(slash, 1, "--");
  }
  root_ = (cache_dir.empty() ? default_cache_dir() : cache_dir) + "/" + folder;
}

std::string RepoCache::blob_path(const std::string& etag) const {
  bool ok = !etag.empty() && etag.size() <= 128 && etag.find("..") == std::string::npos;
  for (char c : etag) ok = ok && name_char(c);
  if (!ok) throw Error(ErrorCode::kFormat, "hub sent an unusable ETag '" + etag + "'");
  return root_ + "/blobs/" + etag;
}

std::string RepoCache::snapshot_dir(const std::string& commit) const {
  if (!is_commit_hash(commit)) {
    throw Error(ErrorCode::kFormat, "'" + commit + "' is not a commit hash (40 hex digits)");
  }
  return root_ + "/snapshots/" + commit;
}

std::string RepoCache::snapshot_file(const std::string& commit, const std::string& path) const {
  validate_repo_file(path);
  return snapshot_dir(commit) + "/" + path;
}

std::optional<std::string> RepoCache::resolve_revision(const std::string& revision) const {
  validate_revision(revision);
  std::error_code ec;
  if (is_commit_hash(revision) && fs::is_directory(snapshot_dir(revision), ec)) return revision;
  std::ifstream in(root_ + "/refs/" + revision, std::ios::binary);
  if (!in) return std::nullopt;
  std::string commit;
  std::getline(in, commit);
  while (!commit.empty() && std::isspace(static_cast<unsigned char>(commit.back()))) {
    commit.pop_back();
  }
  if (!is_commit_hash(commit) || !fs::is_directory(snapshot_dir(commit), ec)) return std::nullopt;
  return commit;
}

void RepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  validate_revision(revision);
  const fs::path ref = root_ + "/refs/" + revision;
  std::error_code ec;
  fs::create_directories(ref.parent_path(), ec);
  const fs::path tmp = ref.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << commit;
    out.close();  // a failed flush shows only here
    if (!out) throw Error(ErrorCode::kIo, tmp.string() + ": cannot write: " + std::strerror(errno));
  }
  fs::rename(tmp, ref, ec);
  if (ec) throw Error(ErrorCode::kIo, ref.string() + ": cannot write: " + ec.message());
}

bool RepoCache::has_snapshot_file(const std::string& commit, const std::string& path) const {
  std::error_code ec;
  return fs::is_regular_file(snapshot_file(commit, path), ec);  // follows the symlink
}

void RepoCache::link_snapshot_file(const std::string& commit, const std::string& path,
                                   const std::string& etag) const {
  const fs::path link = snapshot_file(commit, path);
  std::string target;
  for (size_t depth = 2 + static_cast<size_t>(std::count(path.begin(), path.end(), '/')); depth > 0;
       --depth) {
    target += "../";
  }
  target += "blobs/" + etag;
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  if (ec)
    throw Error(ErrorCode::kIo, link.parent_path().string() + ": cannot create: " + ec.message());
  fs::remove(link, ec);
  fs::create_symlink(target, link, ec);
  if (ec) throw Error(ErrorCode::kIo, link.string() + ": cannot create symlink: " + ec.message());
}

std::string cached_snapshot(const std::string& repo_id, const std::string& revision,
                            const std::string& cache_dir) {
  const RepoCache cache(cache_dir, repo_id);
  if (auto commit = cache.resolve_revision(revision)) return cache.snapshot_dir(*commit);
  const std::string rev = revision == "main" ? "" : " --revision " + revision;
  throw Error(ErrorCode::kNotFound, repo_id + " (revision " + revision +
                                        ") is not in the hub cache " +
                                        fs::path(cache.root()).parent_path().string() +
                                        "; run `lightbert download " + repo_id + rev + "` first");
}

}  // namespace lightbert::hub
