// tokenizer/unicode_text.h: UTF-8 decoding/encoding and the Unicode character classes that the
// BERT normalizer and pre-tokenizer need, all taken from utf8proc (no hand-made tables except
// the 17 Word_Break MidLetter/MidNumLet/Single_Quote code points of Case_Ignorable, which utf8proc
// does not expose).
// Contract: decode_utf8() accepts exactly well-formed UTF-8 (no overlongs, surrogates or values
// above U+10FFFF) and reports the byte offset of the first bad sequence otherwise. The class
// predicates follow Hugging Face tokenizers (see each comment).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lightbert::tokenizer {

// Decodes `text` into code points appended to `out` (cleared first). Returns the byte offset of
// the first malformed sequence, or npos when the whole text is valid.
size_t decode_utf8(std::string_view text, std::vector<char32_t>& out);

// Appends the UTF-8 encoding of `c` (a valid scalar value) to `out`; returns the byte count.
inline int append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
    return 1;
  }
  if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    return 2;
  }
  if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    return 3;
  }
  out.push_back(static_cast<char>(0xF0 | (c >> 18)));
  out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  return 4;
}

// Removed by clean_text: general category Cc, Cf, Co or Cs, except \t \n \r. Unassigned code
// points (Cn) are kept, as Hugging Face tokenizers 0.19 does (U+0378 checked).
bool is_control(char32_t c);
// \t \n \r plus the Unicode White_Space property (Zs, Zl, Zp, U+0009-000D, U+0085).
bool is_whitespace(char32_t c);
// ASCII 33-47, 58-64, 91-96, 123-126, or any Unicode P* category.
bool is_punctuation(char32_t c);
// The CJK ranges of the original BERT code (Unified Ideographs, Extensions A-F, compatibility).
bool is_cjk(char32_t c);
// Unicode Word_Break word characters used by single_word added tokens (regex \w: letters,
// marks, digits, connector punctuation, ZWJ/ZWNJ).
bool is_word_char(char32_t c);

// Simple lowercase mapping (UnicodeData), or c itself.
char32_t to_lower_simple(char32_t c);
// Cased letter (Lu, Ll, Lt, or a code point with only a lowercase or only an uppercase form).
bool is_cased(char32_t c);
// Case_Ignorable: Mn, Me, Cf, Lm, Sk and the Word_Break MidLetter/MidNumLet/Single_Quote chars.
bool is_case_ignorable(char32_t c);

// Canonical decomposition (NFD, full and recursive, Hangul included) of one code point into
// out[0..n); returns n (1 when c does not decompose). `out` must hold 8 code points.
int decompose_canonical(char32_t c, char32_t* out);
// Canonical combining class.
int combining_class(char32_t c);
// General category Mn.
bool is_nonspacing_mark(char32_t c);

}  // namespace lightbert::tokenizer

namespace lightbert::tokenizer {

// General category L* (regex \p{L}).
bool is_letter(char32_t c);
// General category N* (regex \p{N}).
bool is_number(char32_t c);

}  // namespace lightbert::tokenizer

namespace lightbert::tokenizer {

// General category Nd (a decimal digit of any script).
bool is_decimal_digit(char32_t c);

}  // namespace lightbert::tokenizer
