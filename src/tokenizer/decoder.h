// tokenizer/decoder.h: tokens back to text, as Hugging Face's decoders and tokenizer.decode do.
// Contract: decode_tokens(kind, tokens) is the decoder of the tokenizer.json a model of that kind
// has (PreTrainedTokenizerFast.convert_tokens_to_string):
//  - WordPiece ("##" prefix, cleanup on): the first token as is; each later token loses one
//    leading "##" or gets a leading space; every token then has " ." " ?" " !" " ," " ' " " n't"
//    " 'm" " do not" " 's" " 've" " 're" cleaned, per token, as tokenizers' decoder does.
//  - ByteLevel (GPT-2, RoBERTa): the tokens' characters mapped back to bytes through GPT-2's
//    table (a token holding a character outside it keeps its own UTF-8 bytes), the bytes decoded
//    as UTF-8 with each maximal invalid subsequence replaced by U+FFFD (from_utf8_lossy).
//  - Metaspace (ALBERT, XLM-R): U+2581 becomes a space; the first token's leading space goes.
// clean_up_tokenization() is transformers' PreTrainedTokenizerBase.clean_up_tokenization on a
// whole string (what decode() applies when clean_up_tokenization_spaces is on). utf8_lossy()
// gives valid UTF-8 for any bytes. No function here throws on any input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lightbert/tokenizer.h"

namespace lightbert::tokenizer {

std::string decode_tokens(TokenizerModelKind kind, const std::vector<std::string>& tokens);
std::string clean_up_tokenization(std::string_view text);
std::string utf8_lossy(std::string_view bytes);

}  // namespace lightbert::tokenizer
