// hub/hub_cache.h: the on-disk layout of huggingface_hub's cache, for one model repository.
// Contract: {cache}/models--ORG--NAME/ holds blobs/{etag} (file contents), snapshots/{commit}/
// {path} (relative symlinks to ../../blobs/{etag}, deeper for sub-folders) and refs/{revision}
// (a file holding the commit hash). Names that would escape these folders (a repo id, file
// path, revision or etag with "..", an absolute path, odd characters) throw lightbert::Error.
#pragma once

#include <optional>
#include <string>

namespace lightbert::hub {

// Throws kInvalidArgument unless `repo_id` is "NAME" or "ORG/NAME" as the hub allows them.
void validate_repo_id(const std::string& repo_id);
bool looks_like_repo_id(const std::string& s);
// Throws kFormat unless `path` is a relative file path inside a repo (no "..", no "//").
void validate_repo_file(const std::string& path);
void validate_revision(const std::string& revision);
bool is_commit_hash(const std::string& s);  // 40 lowercase hex digits

class RepoCache {
 public:
  RepoCache(const std::string& cache_dir, const std::string& repo_id);

  const std::string& root() const { return root_; }
  std::string blob_path(const std::string& etag) const;
  std::string snapshot_dir(const std::string& commit) const;
  std::string snapshot_file(const std::string& commit, const std::string& path) const;

  // The commit that refs/{revision} names (or `revision` itself when it is a commit hash whose
  // snapshot folder exists); nullopt when the cache does not know it.
  std::optional<std::string> resolve_revision(const std::string& revision) const;
  void write_ref(const std::string& revision, const std::string& commit) const;
  // Whether snapshots/{commit}/{path} exists and leads to an existing file.
  bool has_snapshot_file(const std::string& commit, const std::string& path) const;
  // Creates snapshots/{commit}/{path} -> ../../blobs/{etag} (replacing what was there).
  void link_snapshot_file(const std::string& commit, const std::string& path,
                          const std::string& etag) const;

 private:
  std::string root_;
};

}  // namespace lightbert::hub
