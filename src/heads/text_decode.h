// heads/text_decode.h: tokenizer.decode(ids, skip_special_tokens) for every tokenizer model, as
// the fill-mask pipeline's token_str and sequence use it.
// Contract: decode_text() follows transformers' (4.40) tokenizer.decode: the ids' tokens
// (skip_special_tokens drops the cls, sep, pad, unk and mask tokens), the model's decoder, then
// clean_up_tokenization() on the whole string when the tokenizer's clean_up_tokenization_spaces
// is on (tokenizer_config.json; absent: on). Decoders: WordPiece as wordpiece_decode.h
// (decode_ids, whose clean-up is always on, as BERT's tokenizers have it); byte-level BPE joins
// the tokens, maps each character back to its byte (GPT-2's table; a token with a character
// outside it keeps its UTF-8 bytes) and decodes the bytes as UTF-8 with each maximal invalid
// subsequence replaced by U+FFFD (tokenizers' from_utf8_lossy); SentencePiece (Metaspace) turns
// U+2581 into a space and drops the first token's leading space.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lightbert/tokenizer.h"

namespace lightbert::heads {

std::string decode_text(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                        bool skip_special_tokens);

// `bytes` as valid UTF-8: each maximal invalid subsequence (WHATWG / Unicode "maximal subpart")
// becomes U+FFFD.
std::string utf8_lossy(const std::string& bytes);

}  // namespace lightbert::heads
