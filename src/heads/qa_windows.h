// heads/qa_windows.h: question + context encodings split into overlapping windows, as Hugging
// Face's fast tokenizers do with truncation="only_second", return_overflowing_tokens and stride.
// Contract: the pair is tokenized once without truncation; when it exceeds max_length, the
// context tokens are cut into pieces of L = max_length - len(q) - S tokens (S: the pair's special
// tokens: 3 for [CLS] q [SEP] c [SEP], 4 for RoBERTa's <s> q </s></s> c </s>) starting at 0,
// L - stride, 2 (L - stride), ... up to the piece that reaches the end (tokenizers'
// Encoding::truncate), each window keeping the pair's special tokens around the question and the
// piece, with their offsets, type ids, sequence ids and word ids. The question is never cut:
// L <= 0 or stride >= L is kOutOfRange / kInvalidArgument naming the lengths.
#pragma once

#include <string_view>
#include <vector>

#include "lightbert/tokenizer.h"

namespace lightbert::heads {

std::vector<Encoding> qa_windows(const Tokenizer& tokenizer, std::string_view question,
                                 std::string_view context, int max_length, int stride);

}  // namespace lightbert::heads
