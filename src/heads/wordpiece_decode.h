// heads/wordpiece_decode.h: Hugging Face's decoding of BERT tokens back to text.
// Contract: decode_tokens() is the tokenizers WordPiece decoder ("##" prefix, cleanup on): the
// first token as is; each later token loses one leading "##" or gets a leading space; every
// piece then has " ." " ?" " !" " ," " ' " " n't" " 'm" " do not" " 's" " 've" " 're" cleaned
// like the decoder does per token (this is what convert_tokens_to_string gives the NER pipeline).
// clean_up_tokenization() is transformers' PreTrainedTokenizerBase.clean_up_tokenization on a
// whole string. decode_ids() is tokenizer.decode(ids, skip_special_tokens) of a fast BERT
// tokenizer with clean_up_tokenization_spaces on: the decoder, then the whole-string clean-up;
// skipped specials are [CLS], [SEP], [PAD], [UNK] and [MASK].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lightbert/tokenizer.h"

namespace lightbert::heads {

std::string decode_tokens(const std::vector<std::string>& tokens);
std::string clean_up_tokenization(const std::string& text);
std::string decode_ids(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                       bool skip_special_tokens);
// The ids' token strings, without the skipped specials above when skip_special_tokens.
std::vector<std::string> ids_to_tokens(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                                       bool skip_special_tokens);

}  // namespace lightbert::heads
