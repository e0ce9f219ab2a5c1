// tokenizer/tokenizer_impl.h: the state behind lightbert::Tokenizer, shared by the loaders
// (tokenizer_loader.cpp, tokenizer_loader_bpe.cpp, tokenizer_loader_spm.cpp), build()
// (tokenizer_build.cpp), the encoder (tokenizer.cpp) and decoding (tokenizer_decode.cpp).
// Contract: once build() has returned, an Impl is immutable; every id it holds is valid. One of
// three models runs per Impl: WordPiece (BERT), byte-level BPE (RoBERTa, GPT-2) or SentencePiece
// (ALBERT, XLM-R); the added-token matching, truncation and templates are shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lightbert/tokenizer.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/byte_level_bpe.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/sentencepiece_model.h"
#include "tokenizer/string_id_map.h"
#include "tokenizer/wordpiece.h"

namespace lightbert {

// The ByteLevel pre-tokenizer and the offset trimming of its post-processor.
struct ByteLevelSettings {
  bool add_prefix_space = false;
  bool use_regex = true;
  bool trim_offsets = false;           // set by a ByteLevel / RobertaProcessing post-processor
  bool trim_add_prefix_space = false;  // that post-processor's add_prefix_space
};

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
  TokenizerModelKind kind = TokenizerModelKind::kWordPiece;
  // Byte-level BPE: merges in rank order, settings, unk token ("" none).
  std::vector<std::pair<std::string, std::string>> merges;
  bool ignore_merges = false;
  std::string bpe_unk_token;
  ByteLevelSettings byte_level;
  // SentencePiece: the loaded model (its vocabulary is already in `vocab`).
  std::shared_ptr<const tokenizer::SentencePieceModel> spm;
};

struct Tokenizer::Impl {
  TokenizerConfig config;
  tokenizer::BertNormalizer normalizer;
  bool has_normalizer = true;
  TokenizerModelKind kind = TokenizerModelKind::kWordPiece;
  tokenizer::WordPiece model;   // kWordPiece
  tokenizer::ByteLevelBpe bpe;  // kByteLevelBpe
  ByteLevelSettings byte_level;
  std::vector<uint8_t> lead_spaces, trail_spaces;  // per id: leading/trailing U+0120 or spaces
  std::shared_ptr<const tokenizer::SentencePieceModel> spm;  // kSentencePiece
  tokenizer::AddedTokenMatcher raw_matcher;                  // normalized = false
  tokenizer::AddedTokenMatcher normalized_matcher;           // normalized = true
  tokenizer::Template post;
  std::vector<std::string> id_to_token;  // model vocabulary + added tokens
  tokenizer::StringIdMap token_to_id;    // added tokens take precedence
  int32_t cls_id = -1, sep_id = -1, pad_id = -1, unk_id = -1, mask_id = -1;
  std::vector<uint8_t> special;  // per id: 1 for the five specials and special added tokens

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
