// tokenizer/added_tokens.cpp: a code point trie scanned leftmost-longest (see the header).
#include "tokenizer/added_tokens.h"

#include <algorithm>

#include "tokenizer/unicode_text.h"

namespace lightbert::tokenizer {

AddedTokenMatcher::AddedTokenMatcher(const std::vector<AddedToken>& tokens,
                                     const std::vector<std::u32string>& patterns) {
  nodes_.emplace_back();
  for (size_t t = 0; t < tokens.size(); ++t) {
    const std::u32string& pattern = patterns[t];
    if (pattern.empty()) continue;
    int32_t node = 0;
    for (char32_t c : pattern) {
      int32_t next = child(node, c);
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        nodes_.emplace_back();
        auto& kids = nodes_[node].children;
        kids.insert(std::lower_bound(kids.begin(), kids.end(), std::make_pair(c, int32_t{0})),
                    {c, next});
      }
      node = next;
    }
    // Two tokens with the same pattern: the first one keeps it.
    if (pattern[0] < 0x80) {
      first_ascii_[pattern[0]] = true;
    } else {
      first_non_ascii_ = true;
    }
    if (nodes_[node].token < 0) {
      nodes_[node].token = static_cast<int32_t>(tokens_.size());
      tokens_.push_back(tokens[t]);
    }
  }
}

int32_t AddedTokenMatcher::child(int32_t node, char32_t c) const {
  const auto& kids = nodes_[node].children;
  auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(c, int32_t{0}));
  return it != kids.end() && it->first == c ? it->second : -1;
}

void AddedTokenMatcher::find(const char32_t* text, size_t begin, size_t end,
                             std::vector<AddedMatch>& out) const {
  if (tokens_.empty()) return;
  size_t previous_end = begin;  // end of the last accepted match
  size_t i = begin;
  while (i < end) {
    const char32_t c = text[i];
    if (c < 0x80 ? !first_ascii_[c] : !first_non_ascii_) {
      ++i;
      continue;
    }
    int32_t node = child(0, c);
    if (node < 0) {
      ++i;
      continue;
    }
    int32_t best = -1;
    size_t best_end = i;
    for (size_t j = i + 1;; ++j) {
      if (nodes_[node].token >= 0) {
        best = nodes_[node].token;
        best_end = j;
      }
      if (j >= end) break;
      node = child(node, text[j]);
      if (node < 0) break;
    }
    if (best < 0) {
      ++i;
      continue;
    }
    const AddedToken& token = tokens_[best];
    size_t start = i;
    size_t stop = best_end;
    i = best_end;  // the automaton resumes after this match, accepted or not
    if (token.single_word) {
      const bool left_ok = start == begin || !is_word_char(text[start - 1]);
      const bool right_ok = stop == end || !is_word_char(text[stop]);
      if (!left_ok || !right_ok) continue;
    }
    if (token.lstrip) {
      while (start > previous_end && is_whitespace(text[start - 1])) --start;
    }
    if (token.rstrip) {
      while (stop < end && is_whitespace(text[stop])) ++stop;
      i = stop;
    }
    out.push_back({start, stop, token.id});
    previous_end = stop;
  }
}

}  // namespace lightbert::tokenizer
