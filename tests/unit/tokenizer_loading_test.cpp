// tests/unit/tokenizer_loading_test.cpp: Tokenizer::from_folder on real and broken folders.
// Contract: the real folders load with the settings their files state; a folder holding only
// vocab.txt (+ tokenizer_config.json) encodes the corpus exactly like the tokenizer.json folder;
// malformed or unsupported files throw lightbert::Error with the right code and a message that
// names the file and the field; added-token flags behave as in Hugging Face tokenizers' own
// AddedVocabulary tests (options_use_cases, test_single_word_is_correct).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lightbert/error.h"
#include "lightbert/tokenizer.h"
#include "support/test_paths.h"

namespace {

using lightbert::Encoding;
using lightbert::Error;
using lightbert::ErrorCode;
using lightbert::Tokenizer;
using nlohmann::json;
namespace lt = lightbert::testing;
using Tokens = std::vector<std::string>;

// Expects from_folder(dir) to throw `code` with every string of `parts` in the message.
void expect_error(const std::string& dir, ErrorCode code, const std::vector<std::string>& parts) {
  try {
    Tokenizer::from_folder(dir);
    ADD_FAILURE() << "no error for " << dir;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << p << " in " << msg;
  }
}

std::string folder(const std::string& tag,
                   const std::vector<std::pair<std::string, std::string>>& files) {
  const std::string dir = lt::make_temp_dir("tok-" + tag);
  for (const auto& [name, content] : files) lt::write_file(dir + "/" + name, content);
  return dir;
}

const char* kVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n";

// A small tokenizer.json in the Hugging Face format, with the given model and extras.
json tokenizer_json() {
  return json::parse(R"({
    "version": "1.0", "truncation": null, "padding": null,
    "added_tokens": [
      {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false,
       "normalized": false, "special": true},
      {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
       "normalized": false, "special": true},
      {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false,
       "normalized": false, "special": true},
      {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false,
       "normalized": false, "special": true},
      {"id": 4, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false,
       "normalized": false, "special": true}],
    "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                   "strip_accents": null, "lowercase": true},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100,
              "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4,
                        "hello": 5, "world": 6, "##s": 7}}})");
}

TEST(TokenizerLoading, RealFolders) {
  REQUIRE_SHARED();
  const auto uncased = Tokenizer::from_folder(lt::shared_vocab("bert-base-uncased"));
  EXPECT_EQ(uncased.vocab_size(), 30522u);
  EXPECT_TRUE(uncased.config().do_lower_case);
  EXPECT_FALSE(uncased.config().strip_accents.has_value());
  EXPECT_EQ(uncased.config().model_max_length, 512);
  EXPECT_EQ(uncased.cls_id(), 101);
  EXPECT_EQ(uncased.sep_id(), 102);
  EXPECT_EQ(uncased.pad_id(), 0);
  EXPECT_EQ(uncased.unk_id(), 100);
  EXPECT_EQ(uncased.mask_id(), 103);
  EXPECT_EQ(uncased.id_to_token(7592), "hello");
  const auto chinese = Tokenizer::from_folder(lt::shared_vocab("bert-base-chinese"));
  EXPECT_EQ(chinese.vocab_size(), 21128u);
  EXPECT_FALSE(chinese.config().do_lower_case);
  const auto minilm = Tokenizer::from_folder(lt::shared_vocab("all-MiniLM-L6-v2"));
  EXPECT_EQ(minilm.encode("Hello world!").input_ids, uncased.encode("Hello world!").input_ids);
}

// The vocab.txt path (no tokenizer.json) must agree with the tokenizer.json path on the corpus.
TEST(TokenizerLoading, VocabTxtFolderMatchesTokenizerJson) {
  REQUIRE_SHARED();
  for (const std::string name : {"bert-base-uncased", "bert-base-chinese"}) {
    const std::string src = lt::shared_vocab(name);
    const std::string dir =
        folder("vocab-" + name,
               {{"vocab.txt", lt::read_file(src + "/vocab.txt")},
                {"tokenizer_config.json", lt::read_file(src + "/tokenizer_config.json")}});
    const auto from_json = Tokenizer::from_folder(src);
    const auto from_txt = Tokenizer::from_folder(dir);
    EXPECT_EQ(from_txt.vocab(), from_json.vocab());
    std::istringstream in(lt::read_file(lt::test_data("tokenizer/corpus.jsonl")));
    std::string line;
    size_t differ = 0;
    while (std::getline(in, line)) {
      const json row = json::parse(line);
      const std::string text = row["text"];
      const std::string pair = row.value("text_pair", "");
      const Encoding a = from_json.encode_pair(text, pair);
      const Encoding b = from_txt.encode_pair(text, pair);
      differ += a.input_ids != b.input_ids || a.offsets != b.offsets || a.word_ids != b.word_ids;
    }
    EXPECT_EQ(differ, 0u) << name;
  }
}

TEST(TokenizerLoading, VocabTxtDetails) {
  // CRLF line ends are trimmed; a repeated token keeps its last line (Hugging Face's loaders).
  const std::string dir = folder("crlf", {{"vocab.txt",
                                           "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n"
                                           "[MASK]\r\nhello\r\nx\r\nhello\r\n"}});
  const auto tok = Tokenizer::from_folder(dir);
  EXPECT_EQ(tok.vocab_size(), 8u);
  EXPECT_EQ(tok.token_to_id("hello"), 7);
  EXPECT_EQ(tok.id_to_token(5), "hello");
  EXPECT_EQ(tok.encode("Hello").input_ids, (std::vector<int32_t>{2, 7, 3}));
  EXPECT_EQ(tok.config().model_max_length, 512);
  // Without tokenizer_config.json, config.json's max_position_embeddings is the limit.
  const std::string with_config =
      folder("cfg", {{"vocab.txt", kVocab}, {"config.json", R"({"max_position_embeddings": 64})"}});
  EXPECT_EQ(Tokenizer::from_folder(with_config).config().model_max_length, 64);
}

TEST(TokenizerLoading, TokenizerConfigFields) {
  // Special tokens as {"content": ...} objects, a huge "no limit" model_max_length, and settings
  // that override the tokenizer.json normalizer (as BertTokenizerFast does).
  const std::string dir = folder(
      "cfgobj", {{"tokenizer.json", tokenizer_json().dump()},
                 {"tokenizer_config.json",
                  R"({"do_lower_case": false, "model_max_length": 1000000000000000019884624838656,
                      "cls_token": {"content": "[CLS]", "__type": "AddedToken"},
                      "mask_token": {"content": "[MASK]"}})"},
                 {"config.json", R"({"max_position_embeddings": 128})"}});
  const auto tok = Tokenizer::from_folder(dir);
  EXPECT_FALSE(tok.config().do_lower_case);
  EXPECT_EQ(tok.config().model_max_length, 128);
  EXPECT_EQ(tok.encode("Hello hello").tokens, (Tokens{"[CLS]", "[UNK]", "hello", "[SEP]"}));
}

TEST(TokenizerLoading, MissingOrUnreadableFiles) {
  const std::string empty = lt::make_temp_dir("tok-empty");
  expect_error(empty, ErrorCode::kNotFound, {empty, "tokenizer.json", "vocab.txt"});
  const std::string blank = folder("blank", {{"vocab.txt", ""}});
  expect_error(blank, ErrorCode::kFormat, {"vocab.txt", "empty"});
  const std::string bad_utf8 = folder("badutf8", {{"vocab.txt", "[PAD]\n[UNK]\nab\xC3\n"}});
  expect_error(bad_utf8, ErrorCode::kFormat, {"vocab.txt", "entry 2", "UTF-8"});
  const std::string no_unk = folder("nounk", {{"vocab.txt", "[PAD]\n[CLS]\n[SEP]\n[MASK]\n"}});
  expect_error(no_unk, ErrorCode::kFormat, {"vocab.txt", "[UNK]"});
  const std::string no_mask =
      folder("nomask", {{"vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"},
                        {"tokenizer_config.json", R"({"do_lower_case": true})"}});
  expect_error(no_mask, ErrorCode::kFormat, {"tokenizer_config.json", "mask_token", "[MASK]"});
}

TEST(TokenizerLoading, MalformedTokenizerJson) {
  expect_error(folder("notjson", {{"tokenizer.json", "{\"model\": "}}), ErrorCode::kFormat,
               {"tokenizer.json", "not valid JSON"});
  expect_error(folder("array", {{"tokenizer.json", "[1, 2]"}}), ErrorCode::kFormat,
               {"tokenizer.json", "top level"});
  json j = tokenizer_json();
  j["model"]["type"] = "WordLevel";
  expect_error(folder("wordlevel", {{"tokenizer.json", j.dump()}}), ErrorCode::kUnsupported,
               {"tokenizer.json", "model.type", "WordLevel"});
  j["model"]["type"] = "BPE";  // supported (tokenizer_bpe_test), but this one has no merges
  expect_error(folder("bpe", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"tokenizer.json", "model.merges"});
  j = tokenizer_json();
  j["model"]["vocab"] = json::object();
  expect_error(folder("novocab", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"model.vocab", "empty"});
  j = tokenizer_json();
  j["model"]["vocab"]["hello"] = -3;
  expect_error(folder("negid", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"model.vocab[\"hello\"]", "out of range"});
  j = tokenizer_json();
  j["normalizer"] = {{"type", "NFKC"}};
  expect_error(folder("nfkc", {{"tokenizer.json", j.dump()}}), ErrorCode::kUnsupported,
               {"normalizer.type", "NFKC"});
  j = tokenizer_json();
  j["normalizer"]["lowercase"] = "yes";
  expect_error(folder("lower", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"normalizer.lowercase", "true or false"});
  j = tokenizer_json();
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  expect_error(folder("pretok", {{"tokenizer.json", j.dump()}}), ErrorCode::kUnsupported,
               {"pre_tokenizer"});
  j = tokenizer_json();
  j["post_processor"] = {{"type", "RobertaProcessing"}};  // supported, but without its cls/sep
  expect_error(folder("roberta", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"tokenizer.json", "post_processor.", "[token, id]"});
  j["post_processor"] = {{"type", "BertProcessingX"}};
  expect_error(folder("postx", {{"tokenizer.json", j.dump()}}), ErrorCode::kUnsupported,
               {"post_processor.type", "BertProcessingX"});
  j = tokenizer_json();
  j["added_tokens"][1].erase("id");
  expect_error(folder("addedid", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"added_tokens[1].id", "missing"});
  j = tokenizer_json();
  j["model"]["unk_token"] = "<unk>";
  expect_error(folder("unk", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"tokenizer.json", "unk_token", "<unk>"});
}

TEST(TokenizerLoading, BadTokenizerConfigFields) {
  const auto with_config = [](const std::string& tag, const std::string& cfg) {
    return folder(tag, {{"vocab.txt", kVocab}, {"tokenizer_config.json", cfg}});
  };
  expect_error(with_config("c1", R"({"do_lower_case": "yes"})"), ErrorCode::kFormat,
               {"tokenizer_config.json", "do_lower_case"});
  expect_error(with_config("c2", R"({"model_max_length": -1})"), ErrorCode::kFormat,
               {"tokenizer_config.json", "model_max_length"});
  expect_error(with_config("c3", R"({"model_max_length": "512"})"), ErrorCode::kFormat,
               {"tokenizer_config.json", "model_max_length"});
  expect_error(with_config("c4", R"({"cls_token": {"content": 5}})"), ErrorCode::kFormat,
               {"tokenizer_config.json", "cls_token"});
  expect_error(with_config("c5", R"({"sep_token": "</s>"})"), ErrorCode::kFormat,
               {"tokenizer_config.json", "sep_token", "</s>"});
  expect_error(with_config("c6", "{oops"), ErrorCode::kFormat,
               {"tokenizer_config.json", "not valid JSON"});
  expect_error(with_config("c7", R"({"strip_accents": 1})"), ErrorCode::kFormat,
               {"tokenizer_config.json", "strip_accents"});
}

// TemplateProcessing read from tokenizer.json, including a custom template.
TEST(TokenizerLoading, TemplateProcessing) {
  json j = tokenizer_json();
  j["post_processor"] = json::parse(R"({"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
               {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
    "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
             {"Sequence": {"id": "B", "type_id": 2}}],
    "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                       "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}})");
  const auto tok = Tokenizer::from_folder(folder("tpl", {{"tokenizer.json", j.dump()}}));
  EXPECT_EQ(tok.encode("hello").tokens, (Tokens{"[CLS]", "hello", "[SEP]"}));
  const Encoding e = tok.encode_pair("hello", "worlds");
  EXPECT_EQ(e.tokens, (Tokens{"hello", "[SEP]", "world", "##s"}));
  EXPECT_EQ(e.token_type_ids, (std::vector<int32_t>{0, 0, 2, 2}));
  j["post_processor"]["single"][0]["SpecialToken"]["id"] = "[BOS]";
  expect_error(folder("tplbad", {{"tokenizer.json", j.dump()}}), ErrorCode::kFormat,
               {"post_processor.special_tokens", "[BOS]"});
  j["post_processor"] = nullptr;  // no post-processor: no special tokens at all
  const auto bare = Tokenizer::from_folder(folder("tplnull", {{"tokenizer.json", j.dump()}}));
  EXPECT_EQ(bare.encode("hello").tokens, (Tokens{"hello"}));
}

// tokenizers' added_vocabulary.rs, options_use_cases: "my" (lstrip, rstrip, normalized) takes the
// spaces around it, "name" matches inside the text, "ony" (single_word) does not match inside
// "anthony"; test_single_word_is_correct for "<mask>".
TEST(TokenizerLoading, AddedTokenFlags) {
  json j = tokenizer_json();
  for (const char* w : {"is", "an", "##th", "##ony", "a", "<", ">", "mask"}) {
    j["model"]["vocab"][w] = j["model"]["vocab"].size();
  }
  const auto add = [&](const std::string& content, bool lstrip, bool rstrip, bool single) {
    j["added_tokens"].push_back({{"id", j["model"]["vocab"].size() + j["added_tokens"].size()},
                                 {"content", content},
                                 {"single_word", single},
                                 {"lstrip", lstrip},
                                 {"rstrip", rstrip},
                                 {"normalized", true},
                                 {"special", false}});
  };
  add("my", true, true, false);
  add("name", false, false, false);
  add("ony", false, false, true);
  const auto tok = Tokenizer::from_folder(folder("flags", {{"tokenizer.json", j.dump()}}));
  const std::string text = "[CLS] My name is Anthony [SEP]";
  const Encoding e = tok.encode(text, [] {
    lightbert::EncodeOptions o;
    o.add_special_tokens = false;
    return o;
  }());
  EXPECT_EQ(e.tokens, (Tokens{"[CLS]", "my", "name", "is", "an", "##th", "##ony", "[SEP]"}));
  EXPECT_EQ(e.offsets[1], std::make_pair(5, 9));  // " My " with both spaces
  EXPECT_EQ(e.offsets[2], std::make_pair(9, 13));
  EXPECT_EQ(e.word_ids, (std::vector<int32_t>{0, 1, 2, 3, 4, 4, 4, 5}));

  json k = tokenizer_json();
  for (const char* w : {"my", "name", "a", "<", ">", "mask", "ony"}) {
    k["model"]["vocab"][w] = k["model"]["vocab"].size();
  }
  k["added_tokens"].push_back({{"id", 100},
                               {"content", "<mask>"},
                               {"single_word", true},
                               {"lstrip", false},
                               {"rstrip", false},
                               {"normalized", true},
                               {"special", false}});
  const auto single = Tokenizer::from_folder(folder("single", {{"tokenizer.json", k.dump()}}));
  const Encoding s = single.encode("<mask> My name <mask> A<mask> <mask>ony <mask>");
  EXPECT_EQ(s.tokens, (Tokens{"[CLS]", "<mask>", "my", "name", "<mask>", "a", "<", "mask", ">", "<",
                              "mask", ">", "ony", "<mask>", "[SEP]"}));
  EXPECT_EQ(single.token_to_id("<mask>"), 100);
  EXPECT_EQ(single.vocab_size(), 101u);
}

}  // namespace
