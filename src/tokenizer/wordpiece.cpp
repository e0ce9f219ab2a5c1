// tokenizer/wordpiece.cpp: greedy longest-match-first WordPiece (see the header).
#include "tokenizer/wordpiece.h"

#include <algorithm>

#include "lightbert/error.h"
#include "tokenizer/unicode_text.h"

namespace lightbert::tokenizer {

WordPiece::WordPiece(const std::vector<std::pair<std::string_view, int32_t>>& vocab,
                     const WordPieceOptions& options, const std::string& where)
    : options_(options), words_(vocab) {
  const std::string_view prefix = options_.continuing_subword_prefix;
  std::vector<std::pair<std::string_view, int32_t>> continuations;
  for (const auto& [token, id] : vocab) {
    if (token.size() >= prefix.size() && token.substr(0, prefix.size()) == prefix) {
      continuations.emplace_back(token.substr(prefix.size()), id);
    }
  }
  continuations_ = StringIdMap(continuations);
  max_word_cps_ = words_.max_key_code_points();
  max_continuation_cps_ = continuations_.max_key_code_points();
  unk_id_ = words_.find(options_.unk_token);
  if (unk_id_ < 0) {
    throw Error(ErrorCode::kFormat,
                where + ": unk_token \"" + options_.unk_token + "\" is not in the vocabulary");
  }
  if (options_.max_input_chars_per_word < 0) {
    throw Error(ErrorCode::kFormat, where + ": max_input_chars_per_word must not be negative");
  }
}

void WordPiece::tokenize_word(const char32_t* word, size_t n, WordPieceScratch& scratch,
                              std::vector<WordPieceMatch>& out) const {
  const auto whole_unk = [&] { out.push_back({unk_id_, 0, static_cast<int32_t>(n)}); };
  if (n > static_cast<size_t>(options_.max_input_chars_per_word)) return whole_unk();
  std::string& utf8 = scratch.utf8;
  std::vector<uint32_t>& bytes = scratch.cp_bytes;
  utf8.clear();
  bytes.clear();
  for (size_t i = 0; i < n; ++i) {
    bytes.push_back(static_cast<uint32_t>(utf8.size()));
    append_utf8(word[i], utf8);
  }
  bytes.push_back(static_cast<uint32_t>(utf8.size()));

  const size_t first = out.size();
  size_t start = 0;
  while (start < n) {
    const StringIdMap& map = start == 0 ? words_ : continuations_;
    const size_t longest = start == 0 ? max_word_cps_ : max_continuation_cps_;
    size_t end = std::min(n, start + longest);
    int32_t id = -1;
    for (; end > start; --end) {
      id = map.find(std::string_view(utf8.data() + bytes[start], bytes[end] - bytes[start]));
      if (id >= 0) break;
    }
    if (id < 0) {
      out.resize(first);
      return whole_unk();
    }
    out.push_back({id, static_cast<int32_t>(start), static_cast<int32_t>(end)});
    start = end;
  }
}

}  // namespace lightbert::tokenizer
