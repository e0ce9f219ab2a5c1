// tokenizer/normalizer.h: the BERT normalizer (Hugging Face BertNormalizer) with alignment.
// Contract: normalize() maps a range of code points to normalized code points, each tagged with
// the index of the input code point it came from, applying in order: clean_text (drop U+0000,
// U+FFFD and controls, whitespace -> ' '), spaces around CJK ideographs, full lower-casing
// (U+0130 -> "i" U+0307; capital sigma -> small sigma per code point, as Hugging Face tokenizers'
// NormalizedString::lowercase does, or Final_Sigma-aware like Python's str.lower when
// options.final_sigma is set), then NFD with canonical ordering and removal of Mn marks
// (strip_accents). The output is what Hugging Face tokenizers' BertNormalizer produces for the
// same text; no heap allocation beyond the growth of the caller's buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lightbert::tokenizer {

struct NormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool lowercase = true;
  bool strip_accents = true;  // already resolved (unset follows lowercase)
  // Lower-case U+03A3 to U+03C2 where Unicode's Final_Sigma holds (Python's str.lower, used by
  // the slow SentencePiece tokenizers). Off: always U+03C3, as tokenizers' Rust lowercase.
  bool final_sigma = false;
};

class BertNormalizer {
 public:
  BertNormalizer() = default;
  explicit BertNormalizer(const NormalizerOptions& options) : options_(options) {}

  // Appends the normalized form of text[begin, end) to `out`, and to `source` the index (into
  // `text`) of the code point each output code point came from. Final_Sigma (when enabled)
  // looks only inside [begin, end), each added-token-free section on its own.
  void normalize(const char32_t* text, size_t begin, size_t end, std::vector<char32_t>& out,
                 std::vector<int32_t>& source) const;

  const NormalizerOptions& options() const { return options_; }

 private:
  bool final_sigma(const char32_t* text, size_t begin, size_t end, size_t at) const;
  void emit_stripped(char32_t c, int32_t src, std::vector<char32_t>& out,
                     std::vector<int32_t>& source, size_t& run_start) const;

  NormalizerOptions options_;
};

}  // namespace lightbert::tokenizer
