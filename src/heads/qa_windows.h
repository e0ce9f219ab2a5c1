// heads/qa_windows.h: question + context encodings split into overlapping windows, as Hugging
// Face's fast tokenizers do with truncation="only_second", return_overflowing_tokens and stride.
// Contract: the pair is tokenized once without truncation; when [CLS] q [SEP] c [SEP] exceeds
// max_length, the context tokens are cut into pieces of L = max_length - len(q) - 3 tokens
// starting at 0, L - stride, 2 (L - stride), ... up to the piece that reaches the end (tokenizers'
// Encoding::truncate), each window being [CLS] q [SEP] piece [SEP] with its offsets, sequence
// ids and word ids. The question is never cut: L <= 0 or stride >= L is kOutOfRange / kInvalid
// Argument naming the lengths.
#pragma once

#include <string_view>
#include <vector>

#include "lightbert/tokenizer.h"

namespace lightbert::heads {

std::vector<Encoding> qa_windows(const Tokenizer& tokenizer, std::string_view question,
                                 std::string_view context, int max_length, int stride);

}  // namespace lightbert::heads
