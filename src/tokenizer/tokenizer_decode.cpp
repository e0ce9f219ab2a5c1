// tokenizer/tokenizer_decode.cpp: Tokenizer::decode and its parts (see lightbert/tokenizer.h);
// the decoders themselves are in decoder.cpp.
#include <string>
#include <vector>

#include "lightbert/error.h"
#include "tokenizer/decoder.h"
#include "tokenizer/tokenizer_impl.h"

namespace lightbert {

std::vector<std::string> Tokenizer::convert_ids_to_tokens(const std::vector<int32_t>& ids,
                                                          bool skip_special_tokens) const {
  const size_t n = impl_->id_to_token.size();
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || static_cast<size_t>(id) >= n) {
      throw Error(ErrorCode::kInvalidArgument,
                  "ids[" + std::to_string(i) + "] = " + std::to_string(id) +
                      " is outside the vocabulary [0, " + std::to_string(n) + ")");
    }
    if (skip_special_tokens && impl_->special[static_cast<size_t>(id)]) continue;
    tokens.push_back(impl_->id_to_token[static_cast<size_t>(id)]);
  }
  return tokens;
}

std::string Tokenizer::convert_tokens_to_string(const std::vector<std::string>& tokens) const {
  return tokenizer::decode_tokens(impl_->kind, tokens);
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens,
                              std::optional<bool> clean_up_tokenization_spaces) const {
  std::string text = convert_tokens_to_string(convert_ids_to_tokens(ids, skip_special_tokens));
  if (clean_up_tokenization_spaces.value_or(impl_->config.clean_up_tokenization_spaces)) {
    return tokenizer::clean_up_tokenization(text);
  }
  return text;
}

bool Tokenizer::is_special_id(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->special.size() &&
         impl_->special[static_cast<size_t>(id)] != 0;
}

}  // namespace lightbert
