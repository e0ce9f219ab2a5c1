// server/http_framing.cpp: see http_framing.h.
#include "server/http_framing.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace lightbert::server {

namespace {

constexpr size_t kMaxTarget = 8000;      // cpp-httplib refuses request lines beyond 8192
constexpr size_t kMaxChunks = 4096;      // chunks per body (each costs a scan step per read)
constexpr size_t kMaxChunkLine = 1024;   // a chunk-size line with its extensions

FramedRequest error(int status, std::string message) {
  FramedRequest r;
  r.state = FramedRequest::State::kError;
  r.status = status;
  r.message = std::move(message);
  return r;
}

bool is_tchar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits `head` (without its final empty line) into lines, dropping one '\r' before each '\n'.
std::vector<std::string_view> split_lines(std::string_view head) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }
  return lines;
}

// The request line; returns an empty message when valid.
std::string check_request_line(std::string_view line, FramedRequest& r, bool& http10) {
  const std::string hint = " (expected 'METHOD /path HTTP/1.1')";
  const size_t a = line.find(' ');
  const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos ||
      line.find(' ', b + 1) != std::string_view::npos) {
    return "malformed request line" + hint;
  }
  const std::string_view method = line.substr(0, a);
  const std::string_view target = line.substr(a + 1, b - a - 1);
  const std::string_view version = line.substr(b + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char c) {
        return is_tchar(static_cast<unsigned char>(c));
      })) {
    return "malformed method in the request line" + hint;
  }
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        return c > 0x20 && c < 0x7f;
      })) {
    return "malformed target in the request line" + hint;
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return "unsupported HTTP version '" + std::string(version.substr(0, 16)) +
           "' (HTTP/1.1 or HTTP/1.0)";
  }
  http10 = version == "HTTP/1.0";
  r.method = std::string(method);
  r.target = std::string(target);
  return {};
}

// Parses a Content-Length value (a comma list of equal decimal numbers).
bool parse_length(std::string_view v, size_t& out, bool& have) {
  size_t pos = 0;
  for (;;) {
    size_t comma = v.find(',', pos);
    const std::string_view part = trim(v.substr(pos, comma == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : comma - pos));
    if (part.empty() || part.size() > 18 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    size_t n = 0;
    for (char c : part) n = n * 10 + static_cast<size_t>(c - '0');
    if (have && n != out) return false;
    out = n;
    have = true;
    if (comma == std::string_view::npos) return true;
    pos = comma + 1;
  }
}

}  // namespace

FramedRequest frame_request(std::string_view buf, const FramingLimits& limits) {
  // RFC 9112 2.2: ignore empty lines before the request line.
  size_t start = 0;
  while (start < buf.size() && (buf[start] == '\r' || buf[start] == '\n')) ++start;
  if (start > 64) return error(400, "malformed request: empty lines instead of a request line");
  const std::string_view rest = buf.substr(start);

  // The end of the head: an empty line.
  size_t head_end = std::string_view::npos, body_start = 0;
  for (size_t nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n', nl + 1)) {
    if (nl + 1 < rest.size() && rest[nl + 1] == '\n') {
      head_end = nl + 1;
      body_start = nl + 2;
      break;
    }
    if (nl + 2 < rest.size() && rest[nl + 1] == '\r' && rest[nl + 2] == '\n') {
      head_end = nl + 1;
      body_start = nl + 3;
      break;
    }
    if (nl > limits.max_header_bytes) break;
  }
  bool http10 = false;
  FramedRequest r;
  if (head_end == std::string_view::npos || head_end > limits.max_header_bytes) {
    if (rest.size() > limits.max_header_bytes) {
      return error(431, "the request head is larger than the limit of " +
                            std::to_string(limits.max_header_bytes) + " bytes");
    }
    // Refuse a complete, malformed request line at once (garbage instead of HTTP).
    const size_t nl = rest.find('\n');
    if (nl != std::string_view::npos) {
      std::string_view line = rest.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.size() > kMaxTarget) return error(414, "the request target is too long");
      std::string msg = check_request_line(line, r, http10);
      if (!msg.empty()) return error(400, msg);
    } else if (rest.size() > kMaxTarget) {
      return error(414, "the request target is too long");
    }
    return FramedRequest{};
  }

  const std::vector<std::string_view> lines = split_lines(rest.substr(0, head_end));
  if (lines.empty()) return error(400, "malformed request: no request line");
  if (lines[0].size() > kMaxTarget) return error(414, "the request target is too long");
  std::string msg = check_request_line(lines[0], r, http10);
  if (!msg.empty()) return error(400, msg);
  if (lines.size() - 1 > limits.max_headers) {
    return error(431, "more than " + std::to_string(limits.max_headers) + " header fields");
  }

  size_t content_length = 0;
  bool have_length = false, chunked = false, have_te = false;
  std::string connection;
  r.head = std::string(lines[0]) + "\r\n";
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::string where = "header line " + std::to_string(i);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      return error(400, where + " starts with whitespace (obsolete line folding is not accepted)");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return error(400, where + " is malformed (expected 'Name: value')");
    }
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(),
                     [](char c) { return is_tchar(static_cast<unsigned char>(c)); })) {
      return error(400, where + " has an invalid field name (no space before the colon)");
    }
    const std::string_view value = trim(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return (u < 0x20 && u != '\t') || u == 0x7f;
        })) {
      return error(400, where + " has a control character in its value");
    }
    const std::string key = lower(name);
    if (key == "content-length") {
      if (!parse_length(value, content_length, have_length)) {
        return error(400, "malformed or conflicting Content-Length (one decimal number)");
      }
      continue;
    }
    if (key == "transfer-encoding") {
      if (have_te || lower(value) != "chunked") {
        return error(501, "Transfer-Encoding '" + std::string(value.substr(0, 64)) +
                              "' is not supported (only chunked)");
      }
      have_te = chunked = true;
      continue;
    }
    if (key == "content-encoding") {
      const std::string v = lower(value);
      if (!r.content_encoding.empty() || v.empty()) {
        return error(415, "one Content-Encoding only (gzip, deflate or identity)");
      }
      r.content_encoding = v == "identity" ? std::string() : v;
      if (v == "identity") r.content_encoding = "identity";
      continue;
    }
    if (key == "expect") {
      if (lower(value) != "100-continue") return error(417, "only 'Expect: 100-continue' is supported");
      r.expect_continue = true;
      continue;
    }
    if (key == "range" || key == "if-range") continue;  // a JSON API answers whole bodies
    if (key == "connection") connection = lower(value);
    r.head.append(line.data(), line.size());
    r.head += "\r\n";
  }
  if (r.content_encoding == "identity") r.content_encoding.clear();
  r.keep_alive = http10 ? connection.find("keep-alive") != std::string::npos
                        : connection.find("close") == std::string::npos;
  if (chunked && have_length) {
    return error(400, "both Content-Length and Transfer-Encoding are given (send one)");
  }
  if (chunked && http10) return error(400, "Transfer-Encoding: chunked needs HTTP/1.1");
  if (!chunked && !have_length && (r.method == "POST" || r.method == "PUT" || r.method == "PATCH")) {
    return error(411, "a " + r.method +
                          " needs a body with Content-Length or Transfer-Encoding: chunked");
  }
  if (have_length && content_length > limits.max_body_bytes) {
    return error(413, "the request body (" + std::to_string(content_length) +
                          " bytes) is larger than the server's limit of " +
                          std::to_string(limits.max_body_bytes) + " bytes");
  }

  const size_t body_pos = start + body_start;
  r.head_done = true;
  if (!chunked) {
    if (buf.size() - body_pos < content_length) return r;  // kIncomplete
    r.body.assign(buf.data() + body_pos, content_length);
    r.consumed = body_pos + content_length;
    r.state = FramedRequest::State::kComplete;
    return r;
  }

  // Chunked: scan the sizes first (cheap), copy the data only once complete.
  std::vector<std::pair<size_t, size_t>> pieces;  // offset, size in buf
  size_t pos = body_pos, total = 0;
  for (;;) {
    const size_t nl = buf.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (buf.size() - pos > kMaxChunkLine) return error(400, "malformed chunked body (chunk-size line too long)");
      return r;
    }
    std::string_view line = buf.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view size_part = trim(line.substr(0, line.find(';')));
    if (size_part.empty() || size_part.size() > 8 ||
        !std::all_of(size_part.begin(), size_part.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      return error(400, "malformed chunked body (a chunk size is not a hexadecimal number)");
    }
    const size_t size = std::stoul(std::string(size_part), nullptr, 16);
    pos = nl + 1;
    if (size == 0) break;
    total += size;
    if (total > limits.max_body_bytes) {
      return error(413, "the request body is larger than the server's limit of " +
                            std::to_string(limits.max_body_bytes) + " bytes");
    }
    if (pieces.size() >= kMaxChunks) {
      return error(400, "malformed chunked body (more than " + std::to_string(kMaxChunks) + " chunks)");
    }
    if (buf.size() < pos + size + 1) return r;
    pieces.emplace_back(pos, size);
    pos += size;
    if (buf[pos] == '\n') {
      pos += 1;
    } else if (buf[pos] == '\r') {
      if (buf.size() < pos + 2) return r;
      if (buf[pos + 1] != '\n') return error(400, "malformed chunked body (no CRLF after a chunk)");
      pos += 2;
    } else {
      return error(400, "malformed chunked body (a chunk is longer than its size)");
    }
  }
  // Trailers up to an empty line (counted against the head limits, then dropped).
  size_t trailers = 0;
  for (;;) {
    const size_t nl = buf.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (buf.size() - pos > limits.max_header_bytes) return error(431, "chunked trailers too large");
      return r;
    }
    const size_t len = nl - pos - (nl > pos && buf[nl - 1] == '\r' ? 1 : 0);
    pos = nl + 1;
    if (len == 0) break;
    if (++trailers > limits.max_headers) return error(431, "too many chunked trailer fields");
  }
  r.body.reserve(total);
  for (const auto& p : pieces) r.body.append(buf.data() + p.first, p.second);
  r.consumed = pos;
  r.state = FramedRequest::State::kComplete;
  return r;
}

bool decode_body(const std::string& encoding, std::string& body, size_t max_decompressed_bytes,
                 int& status, std::string& message) {
  if (encoding.empty()) return true;
  int window_bits = 0;
  if (encoding == "gzip" || encoding == "x-gzip") {
    window_bits = 16 + MAX_WBITS;
  } else if (encoding == "deflate") {
    window_bits = MAX_WBITS;  // zlib-wrapped, as RFC 9110 defines it
  } else {
    status = 415;
    message = "unsupported Content-Encoding '" + encoding.substr(0, 64) +
              "' (gzip, deflate or identity)";
    return false;
  }
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) {
    status = 500;
    message = "cannot start zlib";
    return false;
  }
  std::string out;
  char chunk[16384];
  z.next_in = reinterpret_cast<Bytef*>(body.data());
  z.avail_in = static_cast<uInt>(body.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    const size_t produced = sizeof(chunk) - z.avail_out;
    if (out.size() + produced > max_decompressed_bytes) {
      inflateEnd(&z);
      status = 413;
      message = "the decompressed request body is larger than the server's limit of " +
                std::to_string(max_decompressed_bytes) + " bytes";
      return false;
    }
    out.append(chunk, produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || z.avail_in != 0) {
    status = 400;
    message = "the " + encoding + " request body is corrupt or truncated";
    return false;
  }
  body.swap(out);
  return true;
}

std::string canonical_request(const FramedRequest& r) {
  std::string out;
  out.reserve(r.head.size() + r.body.size() + 32);
  out += r.head;
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += r.body;
  return out;
}

}  // namespace lightbert::server
