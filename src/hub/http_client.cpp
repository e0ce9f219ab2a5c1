// hub/http_client.cpp: libcurl easy-handle requests with timeouts, final-response headers and
// resumable downloads to a file (see http_client.h).
#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <unistd.h>

#include "lightbert/error.h"

namespace lightbert::hub {

namespace {

constexpr size_t kErrorBodyCap = 64 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Per-request state shared with the libcurl callbacks.
struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* res = nullptr;
  size_t text_cap = 0;        // get_text(): body limit
  std::FILE* file = nullptr;  // download_to(): target, positioned at its end
  uint64_t file_size = 0;     // bytes now in the file
  uint64_t max_total = 0;
  bool asked_range = false;
  bool decided = false;  // whether the first body byte's status was looked at
  bool to_file = false;  // status 2xx: body goes to the file
  std::string failure;   // why a callback stopped the transfer
  const std::function<void(uint64_t)>* on_progress = nullptr;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * n);
  if (line.compare(0, 5, "HTTP/") == 0) {
    t->res->headers.clear();  // a new response (after a redirect or 100-continue)
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    t->res->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * n;
}

size_t on_text(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->res->body.size() + size * n > t->text_cap) {
    t->failure = "response larger than " + std::to_string(t->text_cap) + " bytes";
    return 0;
  }
  t->res->body.append(data, size * n);
  return size * n;
}

size_t on_file(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (!t->decided) {
    t->decided = true;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    t->to_file = status >= 200 && status < 300;
    if (t->to_file && status != 206 && t->file_size > 0) {
      // Range ignored (or not asked): start the file over.
      if (std::fflush(t->file) != 0 || ftruncate(fileno(t->file), 0) != 0) {
        t->failure = std::string("cannot rewrite the partial file: ") + std::strerror(errno);
        return 0;
      }
      std::rewind(t->file);
      t->file_size = 0;
      t->res->restarted = t->asked_range;
    }
  }
  if (!t->to_file) {
    if (t->res->body.size() < kErrorBodyCap) {
      t->res->body.append(data, std::min(bytes, kErrorBodyCap - t->res->body.size()));
    }
    return bytes;
  }
  if (t->file_size + bytes > t->max_total) {
    t->failure = "server sent more than the expected " + std::to_string(t->max_total) + " bytes";
    return 0;
  }
  if (std::fwrite(data, 1, bytes, t->file) != bytes) {
    t->failure = std::string("cannot write the downloaded data: ") + std::strerror(errno);
    return 0;
  }
  t->file_size += bytes;
  if (*t->on_progress) (*t->on_progress)(t->file_size);
  return bytes;
}

}  // namespace

std::string HttpResponse::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpClient::Impl {
  HttpSettings settings;
  CURL* curl = nullptr;

  // Runs one request on the (reused, keep-alive) handle with `t`'s callbacks.
  HttpResponse perform(const std::string& url, bool head, bool follow, Transfer& t,
                       const std::string& range, bool with_token = true) {
    HttpResponse res;
    t.curl = curl;
    t.res = &res;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(settings.connect_timeout_s));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(settings.stall_timeout_s));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "lightbert/" LIGHTBERT_VERSION);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, t.file ? on_file : on_text);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    if (head) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (!range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
    curl_slist* headers = curl_slist_append(nullptr, "Accept-Encoding: identity");
    if (with_token && !settings.token.empty()) {
      headers = curl_slist_append(headers, ("Authorization: Bearer " + settings.token).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res.status);
    if (rc != CURLE_OK) {
      res.transport_error = t.failure.empty() ? curl_easy_strerror(rc) : t.failure;
    }
    return res;
  }
};

HttpClient::HttpClient(HttpSettings settings) : impl_(new Impl) {
  global_init();
  impl_->settings = std::move(settings);
  impl_->curl = curl_easy_init();
  if (impl_->curl == nullptr) {
    delete impl_;
    throw Error(ErrorCode::kInternal, "cannot initialise libcurl");
  }
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(impl_->curl);
  delete impl_;
}

HttpResponse HttpClient::head(const std::string& url) {
  Transfer t;
  t.text_cap = kErrorBodyCap;
  return impl_->perform(url, /*head=*/true, /*follow=*/false, t, "");
}

HttpResponse HttpClient::get_text(const std::string& url, size_t max_bytes) {
  Transfer t;
  t.text_cap = max_bytes;
  return impl_->perform(url, /*head=*/false, /*follow=*/true, t, "");
}

HttpResponse HttpClient::download_to(const std::string& url, const std::string& path,
                                     uint64_t max_total, bool with_token,
                                     const std::function<void(uint64_t)>& on_progress) {
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr) {
    throw Error(ErrorCode::kIo, path + ": cannot open for writing: " + std::strerror(errno));
  }
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  Transfer t;
  t.file = f;
  t.file_size = size > 0 ? static_cast<uint64_t>(size) : 0;
  t.max_total = max_total;
  t.asked_range = t.file_size > 0;
  t.on_progress = &on_progress;
  HttpResponse res =
      impl_->perform(url, /*head=*/false, /*follow=*/true, t,
                     t.asked_range ? std::to_string(t.file_size) + "-" : "", with_token);
  if (std::fclose(f) != 0 && res.transport_ok()) {
    res.transport_error = path + ": cannot finish writing: " + std::strerror(errno);
  }
  return res;
}

std::string url_quote(const std::string& s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace lightbert::hub
