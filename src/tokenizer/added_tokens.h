// tokenizer/added_tokens.h: added/special tokens written in the text ("[MASK]", "[SEP]", ...).
// Contract: AddedTokenMatcher finds the added tokens in a range of code points the way Hugging
// Face's AddedVocabulary does: leftmost-longest, non-overlapping matches anywhere in the text
// (no word boundaries unless single_word); a single_word match next to a word character is
// discarded (and its span skipped); lstrip/rstrip widen the match over adjacent whitespace. One
// matcher holds the tokens with normalized=false (matched on the raw text), another those with
// normalized=true (matched on the normalized text, against their normalized content).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lightbert::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = true;
};

struct AddedMatch {
  size_t begin;  // code points, including stripped whitespace
  size_t end;
  int32_t id;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // `patterns[i]` is the code point sequence that token `tokens[i]` matches (its content, or
  // its normalized content); empty patterns are ignored.
  AddedTokenMatcher(const std::vector<AddedToken>& tokens,
                    const std::vector<std::u32string>& patterns);

  bool empty() const { return tokens_.empty(); }
  // Appends the matches inside text[begin, end) to `out`, in order.
  void find(const char32_t* text, size_t begin, size_t end, std::vector<AddedMatch>& out) const;

 private:
  struct Node {
    std::vector<std::pair<char32_t, int32_t>> children;  // sorted by code point
    int32_t token = -1;                                  // index into tokens_
  };
  int32_t child(int32_t node, char32_t c) const;

  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;
  bool first_ascii_[128] = {};    // ASCII code points that start a pattern
  bool first_non_ascii_ = false;  // whether any pattern starts above U+007F
};

}  // namespace lightbert::tokenizer
