// server/head_job.cpp: see head_job.h.
#include "server/head_job.h"

#include <cctype>

#include "lightbert/error.h"

namespace lightbert::server {

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

std::vector<Sequence> head_sequences(const std::vector<Encoding>& encodings) {
  std::vector<Sequence> out;
  out.reserve(encodings.size());
  for (const Encoding& e : encodings) out.push_back({e.input_ids, e.token_type_ids});
  return out;
}

std::vector<Encoding> encode_head_inputs(const ServerContext& ctx,
                                         const std::vector<TextInput>& inputs, bool truncate,
                                         const char* field) {
  EncodeOptions eo;
  eo.max_length = truncate ? ctx.model.max_length() : ctx.max_input_length;
  eo.truncation = truncate;
  const Tokenizer& tok = ctx.model.tokenizer();
  std::vector<Encoding> out;
  out.reserve(inputs.size());
  size_t total = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    check_input_text(ctx, inputs[i].text, where);
    if (inputs[i].text_pair) check_input_text(ctx, *inputs[i].text_pair, where);
    try {
      out.push_back(inputs[i].text_pair ? tok.encode_pair(inputs[i].text, *inputs[i].text_pair, eo)
                                        : tok.encode(inputs[i].text, eo));
    } catch (const Error& err) {
      throw bad_request(where + ": " + err.what());
    }
    const size_t n = out.back().size();
    if (static_cast<int>(n) > (truncate ? ctx.model.max_length() : ctx.max_input_length)) {
      throw too_large(where + " has " + std::to_string(n) + " tokens, more than the maximum of " +
                      std::to_string(ctx.max_input_length) +
                      " (send \"truncate\": true to cut it)");
    }
    total += n;
    check_request_tokens(ctx, total);
  }
  return out;
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
