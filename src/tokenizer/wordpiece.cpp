// tokenizer/wordpiece.cpp: greedy longest-match-first WordPiece (see the header).
#include "tokenizer/wordpiece.h"

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
  word_trie_ = ByteTrie(vocab);
  continuation_trie_ = ByteTrie(continuations);
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

  // Most words are vocabulary entries: one hash look-up settles them.
  const int32_t whole = words_.find(utf8);
  if (whole >= 0) {
    out.push_back({whole, 0, static_cast<int32_t>(n)});
    return;
  }
  const size_t first = out.size();
  size_t start = 0;
  while (start < n) {
    const ByteTrie& trie = start == 0 ? word_trie_ : continuation_trie_;
    int32_t id = -1;
    const size_t from = bytes[start];
    const size_t length = trie.longest_prefix(utf8.data() + from, utf8.size() - from, id);
    if (length == 0) {
      out.resize(first);
      return whole_unk();
    }
    size_t end = start + 1;
    while (bytes[end] < from + length) ++end;
    out.push_back({id, static_cast<int32_t>(start), static_cast<int32_t>(end)});
    start = end;
  }
}

}  // namespace lightbert::tokenizer
