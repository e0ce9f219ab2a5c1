// tokenizer/byte_level_bpe.cpp: GPT-2 pre-tokenizer split and BPE merges (see the header).
#include "tokenizer/byte_level_bpe.h"

#include <algorithm>

#include "lightbert/error.h"
#include "tokenizer/unicode_text.h"

namespace lightbert::tokenizer {

namespace {

constexpr char32_t kTableChars = 0x100 + 68;  // every code point of the table is below this

struct ByteTable {
  char32_t to_char[256];
  int16_t from_char[kTableChars];  // -1: not in the table
  ByteTable() {
    // Printable bytes map to themselves; the other 68, in order, to U+0100, U+0101, ...
    char32_t next = 0x100;
    for (char32_t c = 0; c < kTableChars; ++c) from_char[c] = -1;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      to_char[b] = printable ? static_cast<char32_t>(b) : next++;
      from_char[to_char[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteTable kBytes;

}  // namespace

char32_t byte_to_char(unsigned char b) {
  return kBytes.to_char[b];
}

int char_to_byte(char32_t c) {
  return c < kTableChars ? kBytes.from_char[c] : -1;
}

namespace {

inline bool space(char32_t c) {
  return is_whitespace(c);
}
inline bool other(char32_t c) {
  return !is_whitespace(c) && !is_letter(c) && !is_number(c);
}

// Length of the contraction ('s 't 're 've 'm 'll 'd) at text[i], or 0.
size_t contraction(const char32_t* text, size_t i, size_t n) {
  if (text[i] != '\'' || i + 1 >= n) return 0;
  const char32_t a = text[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < n) {
    const char32_t b = text[i + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

}  // namespace

void gpt2_split(const char32_t* text, size_t n, std::vector<std::pair<size_t, size_t>>& out) {
  size_t i = 0;
  while (i < n) {
    if (const size_t len = contraction(text, i, n)) {
      out.emplace_back(i, i + len);
      i += len;
      continue;
    }
    // ` ?X+` for X in letters, numbers, others: the optional space, then a run of one class.
    const size_t j = text[i] == ' ' && i + 1 < n ? i + 1 : i;
    const char32_t c = text[j];
    bool (*cls)(char32_t) = nullptr;
    if (is_letter(c)) {
      cls = is_letter;
    } else if (is_number(c)) {
      cls = is_number;
    } else if (other(c)) {
      cls = other;
    }
    if (cls != nullptr) {
      size_t k = j + 1;
      while (k < n && cls(text[k])) ++k;
      out.emplace_back(i, k);
      i = k;
      continue;
    }
    // \s+(?!\S) keeps the last whitespace for the next word; \s+ takes a lone one.
    size_t k = i;
    while (k < n && space(text[k])) ++k;
    if (k < n) k = k - i >= 2 ? k - 1 : i + 1;
    out.emplace_back(i, k);
    i = k;
  }
}

ByteLevelBpe::ByteLevelBpe(const std::vector<std::pair<std::string_view, int32_t>>& vocab,
                           const std::vector<std::pair<std::string, std::string>>& merges,
                           const BpeOptions& options, const std::string& where)
    : options_(options), vocab_(vocab) {
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    append_utf8(byte_to_char(static_cast<unsigned char>(b)), ch);
    byte_id_[b] = vocab_.find(ch);
  }
  merges_.reserve(merges.size() * 2);
  std::string joined;
  for (size_t r = 0; r < merges.size(); ++r) {
    const auto& [a, b] = merges[r];
    const int32_t ia = vocab_.find(a);
    const int32_t ib = vocab_.find(b);
    joined = a + b;
    const int32_t id = vocab_.find(joined);
    if (ia < 0 || ib < 0 || id < 0) {
      throw Error(ErrorCode::kFormat, where + ": merges[" + std::to_string(r) + "] \"" + a + " " +
                                          b + "\" names a token that is not in the vocabulary");
    }
    merges_.emplace(key(ia, ib), std::make_pair(static_cast<int32_t>(r), id));  // first wins
  }
}

void ByteLevelBpe::tokenize_word(const unsigned char* word, size_t n, BpeScratch& s,
                                 std::vector<BpePiece>& out) const {
  if (n == 0) return;
  if (options_.ignore_merges) {
    s.chars.clear();
    for (size_t i = 0; i < n; ++i) append_utf8(byte_to_char(word[i]), s.chars);
    const int32_t id = vocab_.find(s.chars);
    if (id >= 0) {
      out.push_back({id, 0, static_cast<int32_t>(n)});
      return;
    }
  }
  auto& sym = s.symbols;
  sym.clear();
  for (size_t i = 0; i < n; ++i) {
    int32_t id = byte_id_[word[i]];
    if (id < 0) id = options_.unk_id;
    if (id < 0) continue;  // no unk token: the byte is dropped
    const auto k = static_cast<int32_t>(sym.size());
    sym.push_back({id, k - 1, k + 1, static_cast<int32_t>(i), static_cast<int32_t>(i + 1)});
  }
  if (sym.empty()) return;
  sym.back().next = -1;
  // Min-heap on (rank, pos), as tokenizers' BinaryHeap<Merge> with reversed ordering.
  auto& heap = s.heap;
  heap.clear();
  const auto later = [](const BpeScratch::Merge& x, const BpeScratch::Merge& y) {
    return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
  };
  const auto push = [&](int32_t pos) {
    const int32_t next = sym[pos].next;
    if (next < 0) return;
    auto it = merges_.find(key(sym[pos].id, sym[next].id));
    if (it == merges_.end()) return;
    heap.push_back({it->second.first, pos, it->second.second});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(sym.size()); ++i) push(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const BpeScratch::Merge top = heap.back();
    heap.pop_back();
    BpeScratch::Symbol& cur = sym[top.pos];
    if (cur.end == cur.begin || cur.next < 0) continue;  // removed, or nothing to the right
    BpeScratch::Symbol& right = sym[cur.next];
    auto it = merges_.find(key(cur.id, right.id));
    if (it == merges_.end() || it->second.second != top.new_id) continue;  // stale entry
    cur.id = top.new_id;
    cur.end = right.end;
    right.begin = right.end;  // removed
    cur.next = right.next;
    if (cur.next >= 0) sym[cur.next].prev = top.pos;
    if (cur.prev >= 0) push(cur.prev);
    push(top.pos);
  }
  for (int32_t i = 0; i >= 0; i = sym[i].next) out.push_back({sym[i].id, sym[i].begin, sym[i].end});
}

}  // namespace lightbert::tokenizer
