// lightbert/tokenizer.h: Hugging Face tokenizers of the BERT family, to the id.
// Contract: Tokenizer::from_folder picks the model from the files of a model folder:
//  - WordPiece (BERT): tokenizer.json with a WordPiece model, or vocab.txt. Clean text, CJK split,
//    lower-casing and NFD accent stripping when configured, punctuation split, greedy
//    longest-match WordPiece, [CLS] A [SEP] (B [SEP]) with type ids 0/1.
//  - Byte-level BPE (RoBERTa, GPT-2 style): tokenizer.json with a BPE model and a ByteLevel
//    pre-tokenizer, or vocab.json + merges.txt. add_prefix_space, the GPT-2 split, merges by rank,
//    trim_offsets, <s> A </s> (</s> B </s>) with type ids all 0.
//  - SentencePiece (libsentencepiece): spiece.model (ALBERT: AlbertTokenizer's lower-casing,
//    accent stripping and whitespace rules, [CLS] A [SEP] (B [SEP]), type ids 0/1) or
//    sentencepiece.bpe.model (XLM-R: fairseq ids <s>=0 <pad>=1 </s>=2 <unk>=3, SentencePiece ids
//    + 1, <mask> last, <s> A </s> (</s> B </s>), type ids 0); a tokenizer.json with a Unigram
//    model is read through the model file next to it, and is kUnsupported without one.
// tokenizer_config.json and special_tokens_map.json give the settings and the special token
// strings (cls/sep/pad/unk/mask: [CLS] [SEP] [PAD] [UNK] [MASK] for BERT, <s> </s> <pad> <unk>
// <mask> for RoBERTa and XLM-R, [CLS] [SEP] <pad> <unk> [MASK] for ALBERT). For every model,
// encode()/encode_pair() give exactly the input_ids, token_type_ids and tokens that Hugging Face
// gives, with special tokens written in the text (the mask token lstrip where HF sets it) and
// longest_first truncation. Offsets are [begin, end) in Unicode code points of the input text
// (Hugging Face's offset_mapping; SentencePiece pieces span the whitespace they absorbed);
// special tokens get (0, 0). Invalid UTF-8 in the input throws lightbert::Error(kInvalidArgument).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lightbert {

struct TokenizerConfig {
  bool do_lower_case = true;          // BERT, ALBERT; false for byte-level BPE and XLM-R
  std::optional<bool> strip_accents;  // unset: follows do_lower_case; ALBERT: !keep_accents
  bool tokenize_chinese_chars = true;
  bool clean_text = true;
  int model_max_length = 512;
  int max_input_chars_per_word = 100;
  std::string unk_token = "[UNK]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string cls_token = "[CLS]";
  std::string mask_token = "[MASK]";
  // tokenizer_config.json clean_up_tokenization_spaces; absent: true (transformers 4.40's default).
  bool clean_up_tokenization_spaces = true;
};

// The model a Tokenizer runs (and so the decoder that turns its tokens back into text).
enum class TokenizerModelKind { kWordPiece, kByteLevelBpe, kSentencePiece };

struct EncodeOptions {
  int max_length = -1;     // -1: the tokenizer's model_max_length
  bool truncation = true;  // false: no truncation at all (the caller checks lengths)
  bool add_special_tokens = true;
};

struct Encoding {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;
  std::vector<int32_t> attention_mask;
  std::vector<std::string> tokens;
  std::vector<std::pair<int32_t, int32_t>> offsets;  // code points, [begin, end)
  std::vector<int32_t> sequence_ids;                 // -1 special token, 0 text, 1 text_pair
  std::vector<int32_t> word_ids;  // -1 special token; word index within its sequence
  size_t size() const { return input_ids.size(); }
};

class Tokenizer {
 public:
  // Reads DIR/tokenizer.json, vocab.json + merges.txt, spiece.model, sentencepiece.bpe.model or
  // vocab.txt (the first present, see above); DIR/tokenizer_config.json and
  // DIR/special_tokens_map.json (optional) supply the settings.
  static Tokenizer from_folder(const std::string& dir);
  // A vocabulary given as tokens in id order, with explicit settings.
  static Tokenizer from_vocab(std::vector<std::string> vocab, TokenizerConfig config);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;
  Encoding encode_pair(std::string_view text, std::string_view text_pair,
                       const EncodeOptions& options = {}) const;
  // encode() of each text, in order; an error names the index of the text at fault.
  std::vector<Encoding> encode_batch(const std::vector<std::string_view>& texts,
                                     const EncodeOptions& options = {}) const;

  const TokenizerConfig& config() const;
  TokenizerModelKind model_kind() const;
  size_t vocab_size() const;
  int32_t token_to_id(std::string_view token) const;  // -1 when absent
  const std::string& id_to_token(int32_t id) const;   // throws kInvalidArgument when out of range
  const std::vector<std::string>& vocab() const;
  int32_t cls_id() const;
  int32_t sep_id() const;
  int32_t pad_id() const;
  int32_t unk_id() const;
  int32_t mask_id() const;

  // Decoding, as Hugging Face's fast tokenizers do (transformers 4.40 / tokenizers):
  // decode(ids) is tokenizer.decode(ids, skip_special_tokens, clean_up_tokenization_spaces): the
  // ids' tokens (without the special ones when skip_special_tokens), the model's decoder
  // (convert_tokens_to_string), then transformers' clean_up_tokenization when
  // clean_up_tokenization_spaces is on (unset: the tokenizer's setting, config()). The special
  // ids are the cls/sep/pad/unk/mask tokens and every added token marked "special". The text is
  // always valid UTF-8 (byte-level tokens that cut a character decode to U+FFFD). Unlike Hugging
  // Face, which drops unknown ids silently, an id outside [0, vocab_size()) throws
  // Error(kInvalidArgument) naming its position.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false,
                     std::optional<bool> clean_up_tokenization_spaces = std::nullopt) const;
  std::vector<std::string> convert_ids_to_tokens(const std::vector<int32_t>& ids,
                                                 bool skip_special_tokens = false) const;
  // The model's decoder over token strings: WordPiece ("##" joins, per-token clean-up),
  // ByteLevel (GPT-2 bytes back to UTF-8) or Metaspace (U+2581 to spaces).
  std::string convert_tokens_to_string(const std::vector<std::string>& tokens) const;
  bool is_special_id(int32_t id) const;  // false for ids out of range

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightbert
