// tokenizer/byte_level_bpe.h: the byte-level BPE model of GPT-2 / RoBERTa (Hugging Face's BPE
// model behind a ByteLevel pre-tokenizer).
// Contract: gpt2_split() cuts code points the way the pattern
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ does (\s: Unicode
// White_Space, as Oniguruma in Hugging Face tokenizers). ByteLevelBpe::tokenize_word() maps the
// UTF-8 bytes of one pre-token to GPT-2's printable byte characters and applies the merges by
// rank (lowest first, leftmost on ties), exactly as tokenizers' Word::merge_all; each output
// piece gives its byte range in the word. A byte character missing from the vocabulary becomes
// the unk id, or is dropped when there is none (as Hugging Face). Thread-safe (const); the
// caller owns the scratch buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/string_id_map.h"

namespace lightbert::tokenizer {

// GPT-2's byte -> code point table (printable bytes map to themselves, the rest to U+0100...).
char32_t byte_to_char(unsigned char b);
// Its inverse: the byte code point `c` stands for, or -1 when `c` is outside the table.
int char_to_byte(char32_t c);

// Appends to `out` the [begin, end) ranges of the pre-tokens of text[0, n).
void gpt2_split(const char32_t* text, size_t n, std::vector<std::pair<size_t, size_t>>& out);

struct BpePiece {
  int32_t id;
  int32_t begin;  // bytes of the word
  int32_t end;
};

struct BpeScratch {
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
    int32_t begin;
    int32_t end;
  };
  struct Merge {
    int32_t rank;
    int32_t pos;
    int32_t new_id;
  };
  std::vector<Symbol> symbols;
  std::vector<Merge> heap;
  std::string chars;  // the word as byte characters (ignore_merges look-up)
};

struct BpeOptions {
  int32_t unk_id = -1;  // -1: no unk token
  bool ignore_merges = false;
};

class ByteLevelBpe {
 public:
  ByteLevelBpe() = default;
  // `vocab` entries are (token, id); `merges` are pairs of tokens in rank order. Throws
  // lightbert::Error (kFormat) naming `where` when a merge names a token that is not in the
  // vocabulary or whose concatenation is not.
  ByteLevelBpe(const std::vector<std::pair<std::string_view, int32_t>>& vocab,
               const std::vector<std::pair<std::string, std::string>>& merges,
               const BpeOptions& options, const std::string& where);

  // Appends the pieces of the UTF-8 bytes word[0, n) to `out`.
  void tokenize_word(const unsigned char* word, size_t n, BpeScratch& scratch,
                     std::vector<BpePiece>& out) const;

 private:
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  BpeOptions options_;
  StringIdMap vocab_;
  int32_t byte_id_[256] = {};  // id of each byte's character, -1 when absent
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_;  // (a, b) -> (rank, id)
};

}  // namespace lightbert::tokenizer
