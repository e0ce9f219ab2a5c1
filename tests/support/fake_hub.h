// tests/support/fake_hub.h: a local stand-in for the Hugging Face hub, for the hub tests.
// Contract: a cpp-httplib server on 127.0.0.1 with an ephemeral port, in a thread of the test
// process, speaking the subset of the hub's protocol lightbert uses: GET /api/models/{repo}/
// revision/{rev} (JSON "sha" + "siblings"), HEAD/GET /{repo}/resolve/{rev}/{path} with
// X-Repo-Commit and ETag (git blob sha1) for plain files, or a 302 to the "CDN" path
// /cdn/{sha256} on host "localhost" with X-Linked-Etag / X-Linked-Size for LFS files, Range
// requests answered with 206. Faults can be injected (status codes, a connection closed midway,
// corrupted bytes, ignored Range, a stall) and every request is logged for the tests to count.
// The destructor stops the server; every handler finishes within a few seconds.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace lightbert::testing {

struct FakeRepoFile {
  std::string path;
  std::string content;
  bool lfs = false;  // served through the CDN redirect, etag = sha256
};

struct FakeRequest {
  std::string method;  // GET or HEAD
  std::string path;
  std::string range;  // the Range header, if any
  bool authorized;    // carried an Authorization header
};

class FakeHub {
 public:
  FakeHub();
  ~FakeHub();

  std::string endpoint() const;  // http://127.0.0.1:PORT
  void add_repo(const std::string& repo_id, const std::string& commit,
                const std::vector<FakeRepoFile>& files, const std::string& branch = "main");

  // Fault injection (all apply until changed, except the *_once ones).
  void require_token(const std::string& token);          // else 401
  void fail_next(int count, int status);                 // the next `count` requests
  void cut_once(const std::string& path, size_t bytes);  // first GET closes after `bytes`
  void corrupt(const std::string& path);                 // serve wrong bytes of the right size
  void ignore_range(bool on);                            // answer 200 with the whole file
  void stall(const std::string& path, int seconds);      // GET sends headers, then waits

  std::vector<FakeRequest> requests() const;
  // Requests whose method matches (empty: any) and whose path contains `part`.
  int count(const std::string& method, const std::string& part) const;
  void clear_log();

  static std::string git_blob_sha1(const std::string& content);
  static std::string sha256(const std::string& content);

 private:
  struct State;
  std::unique_ptr<State> st_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace lightbert::testing
