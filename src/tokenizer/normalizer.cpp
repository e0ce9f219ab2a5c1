// tokenizer/normalizer.cpp: BertNormalizer, one pass per code point (see the header).
// Hugging Face applies each step to the whole text in turn; doing them per code point gives
// the same result because the only context-dependent steps are handled explicitly: Final_Sigma
// (optional, off for tokenizers' BertNormalizer) scans the (cleaned) neighbourhood, and NFD's canonical ordering is kept over the output run of
// non-starters.
#include "tokenizer/normalizer.h"

#include <utility>

#include "tokenizer/unicode_text.h"

namespace lightbert::tokenizer {
namespace {

constexpr char32_t kCapitalSigma = 0x03A3;
constexpr char32_t kSmallSigma = 0x03C3;
constexpr char32_t kFinalSigma = 0x03C2;
constexpr char32_t kDottedCapitalI = 0x0130;
constexpr char32_t kCombiningDotAbove = 0x0307;

inline void push(char32_t c, int32_t src, std::vector<char32_t>& out,
                 std::vector<int32_t>& source) {
  out.push_back(c);
  source.push_back(src);
}

}  // namespace

bool BertNormalizer::final_sigma(const char32_t* text, size_t begin, size_t end, size_t at) const {
  // Unicode Final_Sigma: preceded by a cased letter and zero or more case-ignorable characters,
  // and not followed by zero or more case-ignorable characters and a cased letter. The context
  // is the cleaned text, so code points that clean_text removes are skipped.
  auto removed = [&](char32_t c) {
    return options_.clean_text && (c == 0 || c == 0xFFFD || is_control(c));
  };
  bool preceded = false;
  for (size_t j = at; j-- > begin;) {
    const char32_t c = text[j];
    if (removed(c) || is_case_ignorable(c)) continue;
    preceded = is_cased(c);
    break;
  }
  if (!preceded) return false;
  for (size_t j = at + 1; j < end; ++j) {
    const char32_t c = text[j];
    if (removed(c) || is_case_ignorable(c)) continue;
    return !is_cased(c);
  }
  return true;
}

void BertNormalizer::emit_stripped(char32_t c, int32_t src, std::vector<char32_t>& out,
                                   std::vector<int32_t>& source, size_t& run_start) const {
  char32_t parts[8];
  const int n = decompose_canonical(c, parts);
  for (int k = 0; k < n; ++k) {
    const char32_t p = parts[k];
    const int ccc = combining_class(p);
    if (is_nonspacing_mark(p)) {
      if (ccc == 0) run_start = out.size();  // a starter: later marks may not move before it
      continue;
    }
    push(p, src, out, source);
    if (ccc == 0) {
      run_start = out.size();
      continue;
    }
    // Canonical ordering: stable insertion by combining class within the run of non-starters.
    for (size_t j = out.size() - 1; j > run_start && combining_class(out[j - 1]) > ccc; --j) {
      std::swap(out[j - 1], out[j]);
      std::swap(source[j - 1], source[j]);
    }
  }
}

void BertNormalizer::normalize(const char32_t* text, size_t begin, size_t end,
                               std::vector<char32_t>& out, std::vector<int32_t>& source) const {
  const NormalizerOptions& o = options_;
  size_t run_start = out.size();
  for (size_t i = begin; i < end; ++i) {
    char32_t c = text[i];
    const auto src = static_cast<int32_t>(i);
    if (c < 0x80) {
      if (o.clean_text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          c = ' ';
        } else if (c < 0x20 || c == 0x7F) {
          continue;
        }
      }
      if (o.lowercase && c >= 'A' && c <= 'Z') c += 32;
      push(c, src, out, source);
      run_start = out.size();
      continue;
    }
    if (o.clean_text) {
      if (c == 0xFFFD || is_control(c)) continue;
      if (is_whitespace(c)) {
        push(' ', src, out, source);
        run_start = out.size();
        continue;
      }
    }
    const bool cjk = o.handle_chinese_chars && is_cjk(c);
    if (cjk) {
      push(' ', src, out, source);
      run_start = out.size();
    }
    char32_t lowered[2] = {c, 0};
    int n_lowered = 1;
    if (o.lowercase) {
      if (c == kDottedCapitalI) {
        lowered[0] = 'i';
        lowered[1] = kCombiningDotAbove;
        n_lowered = 2;
      } else if (c == kCapitalSigma) {
        lowered[0] =
            o.final_sigma && final_sigma(text, begin, end, i) ? kFinalSigma : kSmallSigma;
      } else {
        lowered[0] = to_lower_simple(c);
      }
    }
    for (int k = 0; k < n_lowered; ++k) {
      if (o.strip_accents) {
        emit_stripped(lowered[k], src, out, source, run_start);
      } else {
        push(lowered[k], src, out, source);
      }
    }
    if (cjk) {
      push(' ', src, out, source);
      run_start = out.size();
    }
  }
}

}  // namespace lightbert::tokenizer
