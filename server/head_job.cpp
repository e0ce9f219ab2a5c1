// server/head_job.cpp: see head_job.h.
#include "server/head_job.h"

#include <cctype>
#include <memory>
#include <new>

#include "lightbert/error.h"

namespace lightbert::server {

HeadJob::HeadJob(std::function<void()> work) : BatchJob({}), work_(std::move(work)) {}

void HeadJob::run_alone() {
  try {
    work_();
  } catch (...) {
    failure_ = std::current_exception();
  }
}

std::string name_input(const std::string& message, const std::string& field) {
  const std::string prefix = "input ";
  if (message.compare(0, prefix.size(), prefix) != 0) return message;
  size_t end = prefix.size();
  while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
  if (end == prefix.size() || message.compare(end, 2, ": ") != 0) return message;
  return field + "[" + message.substr(prefix.size(), end - prefix.size()) + "]" +
         message.substr(end);
}

void run_head(ServerContext& ctx, const std::string& field, std::function<void()> work) {
  auto job = std::make_shared<HeadJob>(std::move(work));
  run_job(ctx, job);  // 429 / 499 / 503 / 500 as for every job
  const std::exception_ptr failure = job->failure();
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const ApiError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;  // the server answers 503
  } catch (const Error& e) {
    switch (e.code()) {
      case ErrorCode::kOutOfRange:
        throw too_large(name_input(e.what(), field));
      case ErrorCode::kInvalidArgument:
        throw bad_request(name_input(e.what(), field));
      default:
        throw ApiError(500, "backend", e.what());
    }
  } catch (const std::exception& e) {
    throw ApiError(500, "backend", e.what());
  }
}

}  // namespace lightbert::server
