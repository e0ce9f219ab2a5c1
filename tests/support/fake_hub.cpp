// tests/support/fake_hub.cpp: the fake Hugging Face hub (fake_hub.h).
#include "support/fake_hub.h"

#include <httplib.h>
#include <openssl/evp.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace lightbert::testing {

namespace {

std::string hex_digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    hex += kHex[out[i] >> 4];
    hex += kHex[out[i] & 15];
  }
  return hex;
}

}  // namespace

struct FakeHub::State {
  struct Repo {
    std::string commit;
    std::map<std::string, std::string> branches;  // name -> commit
    std::map<std::string, FakeRepoFile> files;
  };
  mutable std::mutex mu;
  std::map<std::string, Repo> repos;
  std::map<std::string, std::string> cdn;  // sha256 -> repo file path (for faults)
  std::map<std::string, std::string> cdn_content;
  std::string token;
  int fail_count = 0, fail_status = 0;
  std::map<std::string, size_t> cut;
  std::map<std::string, bool> corrupted;
  std::map<std::string, int> stalled;
  bool ignore_range = false;
  std::vector<FakeRequest> log;
  std::string endpoint, cdn_origin;
};

std::string FakeHub::git_blob_sha1(const std::string& content) {
  return hex_digest(EVP_sha1(), "blob " + std::to_string(content.size()) + '\0' + content);
}

std::string FakeHub::sha256(const std::string& content) {
  return hex_digest(EVP_sha256(), content);
}

namespace {

// Serves `content` (or a fault) for a GET of repo file `path`; handles Range.
void serve_content(const httplib::Request& req, httplib::Response& res, std::string content,
                   size_t cut, bool corrupt, bool ignore_range, int stall_s) {
  if (corrupt) {
    for (char& c : content) c = static_cast<char>(c ^ 0x5a);
  }
  size_t offset = 0;
  const std::string range = req.get_header_value("Range");
  if (!ignore_range && range.rfind("bytes=", 0) == 0) {
    offset = std::stoul(range.substr(6));
    if (offset >= content.size()) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(content.size()));
      return;
    }
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                        std::to_string(content.size() - 1) + "/" +
                                        std::to_string(content.size()));
  } else {
    res.status = 200;
  }
  const size_t length = content.size() - offset;
  res.set_header("Content-Length", std::to_string(length));
  if (req.method == "HEAD") return;
  auto body = std::make_shared<std::string>(content.substr(offset));
  res.set_content_provider(
      "application/octet-stream", [body, cut, stall_s](size_t sent, httplib::DataSink& sink) {
        if (stall_s > 0) std::this_thread::sleep_for(std::chrono::seconds(stall_s));
        const size_t limit = cut > 0 ? std::min(cut, body->size()) : body->size();
        if (sent < limit) sink.write(body->data() + sent, limit - sent);
        if (cut > 0) return false;  // close the connection midway
        sink.done();
        return true;
      });
}

}  // namespace

FakeHub::FakeHub() : st_(new State), server_(new httplib::Server) {
  State* st = st_.get();
  auto log_and_gate = [st](const httplib::Request& req, httplib::Response& res, bool gated) {
    std::lock_guard<std::mutex> lock(st->mu);
    st->log.push_back(
        {req.method, req.path, req.get_header_value("Range"), req.has_header("Authorization")});
    if (st->fail_count > 0) {
      --st->fail_count;
      res.status = st->fail_status;
      return false;
    }
    if (gated && !st->token.empty() &&
        req.get_header_value("Authorization") != "Bearer " + st->token) {
      res.status = 401;
      res.set_header("X-Error-Code", "GatedRepo");
      return false;
    }
    return true;
  };

  server_->Get(R"(/api/models/([^/]+(?:/[^/]+)?)/revision/(.+))",
               [st, log_and_gate](const httplib::Request& req, httplib::Response& res) {
                 if (!log_and_gate(req, res, true)) return;
                 std::lock_guard<std::mutex> lock(st->mu);
                 auto it = st->repos.find(req.matches[1]);
                 if (it == st->repos.end()) {
                   res.status = 404;
                   res.set_header("X-Error-Code", "RepoNotFound");
                   return;
                 }
                 auto br = it->second.branches.find(req.matches[2]);
                 const std::string rev = req.matches[2];
                 if (br == it->second.branches.end() && rev != it->second.commit) {
                   res.status = 404;
                   res.set_header("X-Error-Code", "RevisionNotFound");
                   return;
                 }
                 nlohmann::json j = {{"id", it->first}, {"sha", it->second.commit}};
                 j["siblings"] = nlohmann::json::array();
                 for (const auto& [p, f] : it->second.files)
                   j["siblings"].push_back({{"rfilename", p}});
                 res.set_content(j.dump(), "application/json");
               });

  server_->Get(R"(/([^/]+(?:/[^/]+)?)/resolve/([^/]+)/(.+))",
               [st, log_and_gate](const httplib::Request& req, httplib::Response& res) {
                 if (!log_and_gate(req, res, true)) return;
                 std::unique_lock<std::mutex> lock(st->mu);
                 auto it = st->repos.find(req.matches[1]);
                 const std::string rev = req.matches[2], path = req.matches[3];
                 if (it == st->repos.end()) {
                   res.status = 404;
                   res.set_header("X-Error-Code", "RepoNotFound");
                   return;
                 }
                 const auto& repo = it->second;
                 if (rev != repo.commit && !repo.branches.count(rev)) {
                   res.status = 404;
                   res.set_header("X-Error-Code", "RevisionNotFound");
                   return;
                 }
                 auto f = repo.files.find(path);
                 if (f == repo.files.end()) {
                   res.status = 404;
                   res.set_header("X-Error-Code", "EntryNotFound");
                   return;
                 }
                 res.set_header("X-Repo-Commit", repo.commit);
                 if (f->second.lfs) {
                   const std::string sha = sha256(f->second.content);
                   res.set_header("X-Linked-Etag", "\"" + sha + "\"");
                   res.set_header("X-Linked-Size", std::to_string(f->second.content.size()));
                   res.set_header("ETag", "\"pointer-file-etag\"");
                   res.set_redirect(st->cdn_origin + "/cdn/" + sha, 302);
                   return;
                 }
                 res.set_header("ETag", "\"" + git_blob_sha1(f->second.content) + "\"");
                 const std::string content = f->second.content;
                 const size_t cut = st->cut.count(path) ? st->cut[path] : 0;
                 if (req.method == "GET") st->cut.erase(path);
                 const bool bad = st->corrupted.count(path) > 0, ign = st->ignore_range;
                 const int stall_s = st->stalled.count(path) ? st->stalled[path] : 0;
                 lock.unlock();
                 serve_content(req, res, content, cut, bad, ign, stall_s);
               });

  server_->Get(R"(/cdn/([0-9a-f]{64}))",
               [st, log_and_gate](const httplib::Request& req, httplib::Response& res) {
                 if (!log_and_gate(req, res, false)) return;
                 std::unique_lock<std::mutex> lock(st->mu);
                 auto it = st->cdn.find(req.matches[1]);
                 if (it == st->cdn.end()) {
                   res.status = 404;
                   return;
                 }
                 const std::string path = it->second, content = st->cdn_content[req.matches[1]];
                 const size_t cut = st->cut.count(path) ? st->cut[path] : 0;
                 if (req.method == "GET") st->cut.erase(path);
                 const bool bad = st->corrupted.count(path) > 0, ign = st->ignore_range;
                 const int stall_s = st->stalled.count(path) ? st->stalled[path] : 0;
                 lock.unlock();
                 serve_content(req, res, content, cut, bad, ign, stall_s);
               });

  server_->set_keep_alive_timeout(1);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake hub: cannot bind 127.0.0.1");
  st_->endpoint = "http://127.0.0.1:" + std::to_string(port_);
  st_->cdn_origin = "http://localhost:" + std::to_string(port_);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() only works once the accept loop runs: wait for it (bounded).
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

FakeHub::~FakeHub() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeHub::endpoint() const {
  return st_->endpoint;
}

void FakeHub::add_repo(const std::string& repo_id, const std::string& commit,
                       const std::vector<FakeRepoFile>& files, const std::string& branch) {
  std::lock_guard<std::mutex> lock(st_->mu);
  auto& repo = st_->repos[repo_id];
  repo.commit = commit;
  repo.branches[branch] = commit;
  repo.files.clear();
  for (const auto& f : files) {
    repo.files[f.path] = f;
    if (f.lfs) {
      st_->cdn[sha256(f.content)] = f.path;
      st_->cdn_content[sha256(f.content)] = f.content;
    }
  }
}

void FakeHub::require_token(const std::string& token) {
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->token = token;
}
void FakeHub::fail_next(int count, int status) {
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->fail_count = count;
  st_->fail_status = status;
}
void FakeHub::cut_once(const std::string& path, size_t bytes) {
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->cut[path] = bytes;
}
void FakeHub::corrupt(const std::string& path) {
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->corrupted[path] = true;
}
void FakeHub::ignore_range(bool on) {
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->ignore_range = on;
}
void FakeHub::stall(const std::string& path, int seconds) {
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->stalled[path] = seconds;
}

std::vector<FakeRequest> FakeHub::requests() const {
  std::lock_guard<std::mutex> lock(st_->mu);
  return st_->log;
}

int FakeHub::count(const std::string& method, const std::string& part) const {
  std::lock_guard<std::mutex> lock(st_->mu);
  int n = 0;
  for (const auto& r : st_->log) {
    if ((method.empty() || r.method == method) && r.path.find(part) != std::string::npos) ++n;
  }
  return n;
}

void FakeHub::clear_log() {
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->log.clear();
}

}  // namespace lightbert::testing
