// tokenizer/tokenizer_impl.h: the state behind lightbert::Tokenizer, shared by the loader
// (tokenizer_loader.cpp, tokenizer_vocab.cpp) and the encoder (tokenizer.cpp).
// Contract: once build() has returned, an Impl is immutable; every id it holds is valid.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lightbert/tokenizer.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/string_id_map.h"
#include "tokenizer/wordpiece.h"

namespace lightbert {

// Everything a loader gathers before the Impl is assembled.
struct TokenizerSpec {
  std::string source;               // file named in error messages
  std::string config_source;        // file that named the special tokens ("": source)
  std::vector<std::string> vocab;   // model vocabulary, index = id ("" for gaps)
  std::vector<bool> vocab_present;  // false for id gaps of a tokenizer.json vocab
  TokenizerConfig config;           // effective settings and special token strings
  bool has_normalizer = true;       // tokenizer.json "normalizer": null disables it
  tokenizer::WordPieceOptions wordpiece;
  std::vector<tokenizer::AddedToken> added_tokens;
  bool has_template = false;  // false: the BERT template from cls/sep tokens
  tokenizer::Template post;
};

struct Tokenizer::Impl {
  TokenizerConfig config;
  tokenizer::BertNormalizer normalizer;
  bool has_normalizer = true;
  tokenizer::WordPiece model;
  tokenizer::AddedTokenMatcher raw_matcher;         // normalized = false
  tokenizer::AddedTokenMatcher normalized_matcher;  // normalized = true
  tokenizer::Template post;
  std::vector<std::string> id_to_token;  // model vocabulary + added tokens
  tokenizer::StringIdMap token_to_id;    // added tokens take precedence
  int32_t cls_id = -1, sep_id = -1, pad_id = -1, unk_id = -1, mask_id = -1;

  // Encodes `text` (and `text_pair` when not null): the pipeline of tokenizer.cpp.
  Encoding encode(std::string_view text, const std::string_view* text_pair,
                  const EncodeOptions& options) const;
  struct Piece;
  struct Scratch;
  class SequenceEncoder;

  // Validates the spec (special tokens present, ids in range) and builds the Impl; errors name
  // spec.source.
  static std::unique_ptr<Impl> build(TokenizerSpec spec);
};

}  // namespace lightbert
