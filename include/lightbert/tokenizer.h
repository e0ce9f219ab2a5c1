// lightbert/tokenizer.h: Hugging Face BertTokenizer(Fast) semantics, to the id.
// Contract: Tokenizer::from_folder reads vocab.txt or tokenizer.json plus tokenizer_config.json
// from a model folder; encode()/encode_pair() give exactly the input_ids, token_type_ids and
// tokens that Hugging Face gives (clean text, CJK split, lower-casing and NFD accent stripping
// when configured, punctuation split, greedy longest-match WordPiece, special tokens written in
// the text, [CLS] A [SEP] (B [SEP]), longest_first truncation). Offsets are [begin, end) in
// Unicode code points of the input text (Hugging Face's offset_mapping); special tokens get
// (0, 0). Invalid UTF-8 in the input throws lightbert::Error(kInvalidArgument).
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
  bool do_lower_case = true;
  std::optional<bool> strip_accents;  // unset: follows do_lower_case (as in Hugging Face)
  bool tokenize_chinese_chars = true;
  bool clean_text = true;
  int model_max_length = 512;
  int max_input_chars_per_word = 100;
  std::string unk_token = "[UNK]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string cls_token = "[CLS]";
  std::string mask_token = "[MASK]";
};

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
  // Reads DIR/tokenizer.json when present, else DIR/vocab.txt; DIR/tokenizer_config.json
  // (optional) supplies the settings.
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
  size_t vocab_size() const;
  int32_t token_to_id(std::string_view token) const;  // -1 when absent
  const std::string& id_to_token(int32_t id) const;   // throws kInvalidArgument when out of range
  const std::vector<std::string>& vocab() const;
  int32_t cls_id() const;
  int32_t sep_id() const;
  int32_t pad_id() const;
  int32_t unk_id() const;
  int32_t mask_id() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightbert
