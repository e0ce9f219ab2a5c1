// server/head_job.cpp: see head_job.h.
#include "server/head_job.h"

#include <cctype>
#include <memory>
#include <new>

#include "lightbert/error.h"

namespace lightbert::server {

void HeadJob::run_alone() {
  try {
    work_();
  } catch (...) {
    failure_ = std::current_exception();
  }
}

namespace {

// For "input I: rest": true, with I and the offset of ": rest".
bool input_index(const std::string& message, size_t& index, size_t& rest) {
  const std::string prefix = "input ";
  if (message.compare(0, prefix.size(), prefix) != 0) return false;
  size_t end = prefix.size();
  while (end < message.size() && end < prefix.size() + 9 &&
         std::isdigit(static_cast<unsigned char>(message[end]))) {
    ++end;
  }
  if (end == prefix.size() || message.compare(end, 2, ": ") != 0) return false;
  index = std::stoul(message.substr(prefix.size(), end - prefix.size()));
  rest = end;
  return true;
}

}  // namespace

std::string name_input(const std::string& message, const std::string& field) {
  size_t index = 0, rest = 0;
  if (!input_index(message, index, rest)) return message;
  return field + "[" + std::to_string(index) + "]" + message.substr(rest);
}

std::vector<Chunk> chunk_inputs(const std::vector<size_t>& token_counts, size_t max_tokens) {
  std::vector<Chunk> chunks;
  size_t tokens = 0;
  for (size_t i = 0; i < token_counts.size(); ++i) {
    if (chunks.empty() || tokens + token_counts[i] > max_tokens) {
      chunks.push_back({i, i});
      tokens = 0;
    }
    ++chunks.back().end;
    tokens += token_counts[i];
  }
  return chunks;
}

void for_each_chunk(const std::vector<Chunk>& chunks, const std::function<void(const Chunk&)>& fn) {
  for (const Chunk& c : chunks) {
    try {
      fn(c);
    } catch (const Error& e) {
      size_t index = 0, rest = 0;
      if (c.begin == 0 || !input_index(e.what(), index, rest)) throw;
      throw Error(e.code(),
                  "input " + std::to_string(c.begin + index) + std::string(e.what()).substr(rest));
    }
  }
}

void run_head(ServerContext& ctx, const std::string& field, std::function<void()> work) {
  run_head_job(ctx, field, std::make_shared<HeadJob>(std::move(work)));
}

void run_head_job(ServerContext& ctx, const std::string& field,
                  const std::shared_ptr<HeadJobBase>& job) {
  submit_job(ctx, job);
  wait_head_job(ctx, field, job);
}

void wait_head_job(ServerContext& ctx, const std::string& field,
                   const std::shared_ptr<HeadJobBase>& job) {
  wait_job(ctx, job);  // 499 / 500 as for every job
  const std::exception_ptr failure = job->failure();
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const ApiError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;  // the server answers 503
  } catch (const Error& e) {
    throw_head_error(e, field);
  } catch (const std::exception& e) {
    throw ApiError(500, "backend", e.what());
  }
}

void throw_head_error(const Error& e, const std::string& field) {
  switch (e.code()) {
    case ErrorCode::kOutOfRange:
      throw too_large(name_input(e.what(), field));
    case ErrorCode::kInvalidArgument:
      throw bad_request(name_input(e.what(), field));
    default:
      throw ApiError(500, "backend", e.what());
  }
}

}  // namespace lightbert::server
