// tokenizer/decoder.cpp: see decoder.h.
#include "tokenizer/decoder.h"

#include <utility>

#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/unicode_text.h"

namespace lightbert::tokenizer {

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
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

// tokenizers' decoders::wordpiece::cleanup (applied per token by the WordPiece decoder).
void wordpiece_cleanup(std::string& s) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& r : kRules) replace_all(s, r.first, r.second);
}

std::string decode_wordpiece(const std::vector<std::string>& tokens) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string t = tokens[i];
    if (i != 0) t = t.compare(0, 2, "##") == 0 ? t.substr(2) : " " + t;
    wordpiece_cleanup(t);
    out += t;
  }
  return out;
}

std::string decode_byte_level(const std::vector<std::string>& tokens) {
  std::string bytes;
  std::vector<char32_t> cps;
  for (const std::string& t : tokens) {
    std::string mapped;
    bool all = decode_utf8(t, cps) == std::string::npos;
    for (size_t k = 0; all && k < cps.size(); ++k) {
      const int b = char_to_byte(cps[k]);
      if (b < 0) all = false;
      mapped += static_cast<char>(b);
    }
    bytes += all ? mapped : t;  // a character outside the table: the token's own bytes
  }
  return utf8_lossy(bytes);
}

std::string decode_metaspace(const std::vector<std::string>& tokens) {
  static const std::string_view kMeta = "\xE2\x96\x81";  // U+2581
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string t = tokens[i];
    replace_all(t, kMeta, " ");
    if (i == 0 && !t.empty() && t[0] == ' ') t.erase(0, 1);
    out += t;
  }
  return out;
}

}  // namespace

std::string decode_tokens(TokenizerModelKind kind, const std::vector<std::string>& tokens) {
  switch (kind) {
    case TokenizerModelKind::kByteLevelBpe:
      return decode_byte_level(tokens);
    case TokenizerModelKind::kSentencePiece:
      return decode_metaspace(tokens);
    case TokenizerModelKind::kWordPiece:
      break;
  }
  return decode_wordpiece(tokens);
}

std::string clean_up_tokenization(std::string_view text) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  std::string s(text);
  for (const auto& r : kRules) replace_all(s, r.first, r.second);
  return s;
}

std::string utf8_lossy(std::string_view bytes) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    size_t k = 1;
    bool ok = true;
    for (; k <= need; ++k) {
      if (i + k >= n) {
        ok = false;
        break;
      }
      const unsigned char b = static_cast<unsigned char>(bytes[i + k]);
      const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (b < l || b > h) {
        ok = false;
        break;
      }
    }
    if (ok) {
      out.append(bytes.substr(i, need + 1));
      i += need + 1;
    } else {
      out += kReplacement;  // the lead byte and the valid continuation bytes seen so far
      i += k;
    }
  }
  return out;
}

}  // namespace lightbert::tokenizer
