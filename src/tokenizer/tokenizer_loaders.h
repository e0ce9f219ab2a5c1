// tokenizer/tokenizer_loaders.h: the readers behind Tokenizer::from_folder, one per folder layout.
// Contract: each fills a TokenizerSpec (model, vocabulary, added tokens, template, settings) from
// DIR or throws lightbert::Error naming the file and the field; kUnsupported for a valid but
// unsupported setting.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer_impl.h"

namespace lightbert::tokenizer::loader {

// tokenizer_loader.cpp
void read_added_tokens(const nlohmann::json& j, const std::string& path, TokenizerSpec& spec);
void read_post_processor(const nlohmann::json& j, const std::string& path, TokenizerSpec& spec);
// tokenizer_config.json (then special_tokens_map.json): settings and special token strings.
void read_tokenizer_config(const std::string& dir, TokenizerSpec& spec);

// tokenizer_loader_bpe.cpp: tokenizer.json with a BPE model, or vocab.json + merges.txt.
void read_bpe_tokenizer_json(const nlohmann::json& j, const std::string& path,
                             const std::string& dir, TokenizerSpec& spec);
void read_bpe_files(const std::string& dir, TokenizerSpec& spec);
// Shared by the slow layouts: the id of a vocabulary entry or added token (-1 when absent), and
// the special tokens of `spec.config` (or tokenizer_config.json's added_tokens_decoder) as added
// tokens, <mask> lstrip unless `cfg` says otherwise.
int32_t find_token_id(const TokenizerSpec& spec, const std::string& token);
void add_special_tokens(const nlohmann::json& cfg, const std::string& config_path,
                        TokenizerSpec& spec);

// tokenizer_loader_spm.cpp: spiece.model (ALBERT) or sentencepiece.bpe.model (XLM-R).
void read_sentencepiece(const std::string& dir, const std::string& model_path, TokenizerSpec& spec);

}  // namespace lightbert::tokenizer::loader
