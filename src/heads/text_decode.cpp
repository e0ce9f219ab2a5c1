// heads/text_decode.cpp: see text_decode.h.
#include "heads/text_decode.h"

#include "heads/token_classification.h"
#include "heads/wordpiece_decode.h"

namespace lightbert::heads {

std::string utf8_lossy(const std::string& bytes) {
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
    int need = 0;
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
    for (; k <= static_cast<size_t>(need); ++k) {
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
      out.append(bytes, i, static_cast<size_t>(need) + 1);
      i += static_cast<size_t>(need) + 1;
    } else {
      out += kReplacement;  // the lead byte and the valid continuation bytes seen so far
      i += k;
    }
  }
  return out;
}

std::string decode_text(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                        bool skip_special_tokens) {
  const TokenizerModelKind kind = tokenizer.model_kind();
  if (kind == TokenizerModelKind::kWordPiece) {
    return decode_ids(tokenizer, ids, skip_special_tokens);
  }
  const std::vector<std::string> tokens = ids_to_tokens(tokenizer, ids, skip_special_tokens);
  // tokens_to_string's byte-level branch already replaces invalid UTF-8 (utf8_lossy).
  std::string text = tokens_to_string(
      kind == TokenizerModelKind::kByteLevelBpe ? WordDecoder::kByteLevel : WordDecoder::kMetaspace,
      tokens);
  return tokenizer.config().clean_up_tokenization_spaces ? clean_up_tokenization(text) : text;
}

}  // namespace lightbert::heads
