// tokenizer/wordpiece.h: the WordPiece model (greedy longest-match-first with a continuation
// prefix), as Hugging Face's WordPiece model and BertTokenizer's WordpieceTokenizer.
// Contract: tokenize_word() splits one pre-tokenized word (normalized code points) into vocabulary
// pieces, each with its code point range inside the word (the longest vocabulary entry that starts
// the rest of the word, found in one walk of a byte trie); a word longer than
// max_input_chars_per_word code points, or with any position that no piece matches, becomes one
// [UNK] piece covering the whole word. Look-ups walk a caller-owned UTF-8 scratch buffer: nothing
// is allocated once the buffers have grown. Thread-safe (const).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/byte_trie.h"
#include "tokenizer/string_id_map.h"

namespace lightbert::tokenizer {

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  int max_input_chars_per_word = 100;
};

struct WordPieceScratch {
  std::string utf8;                // the word, UTF-8
  std::vector<uint32_t> cp_bytes;  // byte offset of each code point, plus the end
};

// One output piece: vocabulary id and [begin, end) in code points of the word.
struct WordPieceMatch {
  int32_t id;
  int32_t begin;
  int32_t end;
};

class WordPiece {
 public:
  WordPiece() = default;
  // `vocab` entries are (token, id); throws lightbert::Error when unk_token is absent (the
  // message names `where`).
  WordPiece(const std::vector<std::pair<std::string_view, int32_t>>& vocab,
            const WordPieceOptions& options, const std::string& where);

  // Appends the pieces of word[0, n) to `out`.
  void tokenize_word(const char32_t* word, size_t n, WordPieceScratch& scratch,
                     std::vector<WordPieceMatch>& out) const;

  int32_t find(std::string_view token) const { return words_.find(token); }
  int32_t unk_id() const { return unk_id_; }
  const WordPieceOptions& options() const { return options_; }

 private:
  WordPieceOptions options_;
  StringIdMap words_;           // every vocabulary entry
  ByteTrie word_trie_;          // every vocabulary entry
  ByteTrie continuation_trie_;  // entries that start with the prefix, keyed without it
  int32_t unk_id_ = -1;
};

}  // namespace lightbert::tokenizer
