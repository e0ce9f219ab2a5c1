// heads/wordpiece_decode.cpp: see wordpiece_decode.h.
#include "heads/wordpiece_decode.h"

#include <utility>

namespace lightbert::heads {

namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  std::string out;
  while (true) {
    const size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  if (pos == 0) return;
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

// tokenizers' decoders::wordpiece::cleanup (applied per token by the decoder).
std::string decoder_cleanup(std::string s) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& r : kRules) replace_all(s, r.first, r.second);
  return s;
}

}  // namespace

std::string decode_tokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string t = tokens[i];
    if (i != 0) t = t.compare(0, 2, "##") == 0 ? t.substr(2) : " " + t;
    out += decoder_cleanup(std::move(t));
  }
  return out;
}

std::string clean_up_tokenization(const std::string& text) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  std::string s = text;
  for (const auto& r : kRules) replace_all(s, r.first, r.second);
  return s;
}

std::vector<std::string> ids_to_tokens(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                                       bool skip_special_tokens) {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    if (skip_special_tokens &&
        (id == tokenizer.cls_id() || id == tokenizer.sep_id() || id == tokenizer.pad_id() ||
         id == tokenizer.unk_id() || id == tokenizer.mask_id())) {
      continue;
    }
    tokens.push_back(tokenizer.id_to_token(id));
  }
  return tokens;
}

std::string decode_ids(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                       bool skip_special_tokens) {
  const std::vector<std::string> tokens = ids_to_tokens(tokenizer, ids, skip_special_tokens);
  return clean_up_tokenization(decode_tokens(tokens));
}

}  // namespace lightbert::heads
