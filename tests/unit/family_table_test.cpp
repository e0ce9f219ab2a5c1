// tests/unit/family_table_test.cpp: the family table (formats/model_family.h) is complete: every
// row has what config.json parsing, the tensor reader, the saver and each head need; the saver's
// encoder-tensor prefixes (models::encoder_tensor_prefixes) cover every row's checkpoint prefix
// and encoder modules and none of any row's head tensors; on every committed fixture
// (tests/data/families/*, tests/data/tiny-bert, tests/data/heads/*) each tensor is an encoder
// tensor of its row's modules exactly when the saver counts it as encoder, so the saver keeps
// every head tensor and drops no encoder one; every row's model_type has a fixture; unknown
// model_types get kUnsupported naming them and the supported ones.
#include "formats/model_family.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "lightbert/config.h"
#include "lightbert/error.h"
#include "models/model_families.h"
#include "support/test_paths.h"

namespace lightbert {
namespace {

using formats::FamilyDescriptor;

bool starts_with(const std::string& s, const std::string& p) {
  return s.rfind(p, 0) == 0;
}

bool counted_as_encoder(const std::string& name) {
  for (const std::string& p : models::encoder_tensor_prefixes()) {
    if (starts_with(name, p)) return true;
  }
  return false;
}

// The top-level head tensors (or their prefixes) a row's heads read.
std::vector<std::string> head_names(const FamilyDescriptor& f) {
  std::vector<std::string> out = {f.classifier.out, f.mlm.dense,  f.mlm.norm,        f.mlm.decoder,
                                  f.mlm.bias,       f.qa_outputs, f.token_classifier};
  for (const std::string* s : {&f.classifier.dense, &f.mlm.bias_alt, &f.discriminator}) {
    if (!s->empty()) out.push_back(*s);
  }
  return out;
}

// A config.json of the row with the fields its schema requires (sizes kept small).
std::string minimal_config(const FamilyDescriptor& f) {
  std::string j = R"({"model_type":")" + f.model_type + "\"";
  if (f.schema == formats::ConfigSchema::kDistilBert) {
    j += R"(,"dim":32,"n_layers":2,"n_heads":4,"hidden_dim":64)";
  }
  return j + "}";
}

TEST(FamilyTable, EveryRowHasWhatConfigReaderSaverAndHeadsNeed) {
  std::set<std::string> seen;
  ASSERT_FALSE(formats::families().empty());
  for (const FamilyDescriptor& f : formats::families()) {
    SCOPED_TRACE(f.model_type);
    ASSERT_FALSE(f.model_type.empty());
    EXPECT_TRUE(seen.insert(f.model_type).second) << "two rows for " << f.model_type;
    // Checkpoint: the reader's prefix and the encoder's modules (the saver's view).
    ASSERT_GE(f.checkpoint_prefix.size(), 2u);
    EXPECT_EQ(f.checkpoint_prefix.back(), '.');
    ASSERT_FALSE(f.encoder_modules.empty());
    for (const std::string& m : f.encoder_modules) {
      ASSERT_GE(m.size(), 2u);
      EXPECT_EQ(m.back(), '.') << m;
    }
    EXPECT_NE(models::tensor_reader(f.architecture), nullptr);
    // config.json: the defaults form a valid config, the depth field is the schema's.
    const formats::ConfigDefaults& d = f.defaults;
    EXPECT_GT(d.vocab_size, 0);
    EXPECT_GT(d.hidden_size, 0);
    EXPECT_GT(d.num_hidden_layers, 0);
    ASSERT_GT(d.num_attention_heads, 0);
    EXPECT_EQ(d.hidden_size % d.num_attention_heads, 0);
    EXPECT_GT(d.intermediate_size, 0);
    EXPECT_LT(d.pad_token_id, d.vocab_size);
    EXPECT_EQ(d.embedding_size > 0, f.reads_embedding_size);
    EXPECT_EQ(f.depth_field,
              f.schema == formats::ConfigSchema::kDistilBert ? "n_layers" : "num_hidden_layers");
    const ModelConfig c = ModelConfig::from_json_string(minimal_config(f), "cfg.json");
    EXPECT_EQ(c.model_type, f.model_type);
    EXPECT_EQ(c.position_offset, f.position_offset_by_pad ? c.pad_token_id + 1 : 0);
    EXPECT_EQ(c.embedding_size, f.reads_embedding_size ? d.embedding_size : c.hidden_size);
    if (f.schema == formats::ConfigSchema::kBert) {
      EXPECT_EQ(c.vocab_size, d.vocab_size);
      EXPECT_EQ(c.hidden_size, d.hidden_size);
      EXPECT_EQ(c.pad_token_id, d.pad_token_id);
      EXPECT_EQ(c.hidden_act, d.hidden_act);
    }
    // Heads: every layout names its tensors.
    EXPECT_FALSE(f.classifier.out.empty());
    if (f.classifier.uses_pooler) {
      EXPECT_NE(std::find(f.encoder_modules.begin(), f.encoder_modules.end(), "pooler."),
                f.encoder_modules.end())
          << "the classifier reads the pooler, which the encoder does not have";
    }
    EXPECT_FALSE(f.mlm.dense.empty());
    EXPECT_FALSE(f.mlm.norm.empty());
    EXPECT_FALSE(f.mlm.decoder.empty());
    EXPECT_FALSE(f.mlm.bias.empty());
    if (f.mlm.to_embedding_size) {
      EXPECT_TRUE(f.reads_embedding_size);
    }
    EXPECT_FALSE(f.qa_outputs.empty());
    EXPECT_FALSE(f.token_classifier.empty());
    // Tokenizer: a class and the vocabulary file its kind reads.
    EXPECT_FALSE(f.tokenizer_class.empty());
    ASSERT_FALSE(f.tokenizer_files.empty());
    const std::string& vocab = f.tokenizer_files[0];
    switch (f.tokenizer_kind) {
      case formats::TokenizerKind::kWordPiece:
        EXPECT_EQ(f.tokenizer_files, std::vector<std::string>({"vocab.txt"}));
        break;
      case formats::TokenizerKind::kByteLevelBpe:
        EXPECT_EQ(f.tokenizer_files, std::vector<std::string>({"vocab.json", "merges.txt"}));
        break;
      case formats::TokenizerKind::kSentencePieceAlbert:
      case formats::TokenizerKind::kSentencePieceXlmr:
      case formats::TokenizerKind::kSentencePieceCamembert:
        EXPECT_EQ(f.tokenizer_files.size(), 1u);
        EXPECT_TRUE(vocab == "spiece.model" || vocab == "sentencepiece.bpe.model") << vocab;
        break;
    }
  }
}

// The saver and the hub download read this one list: every row's files are in it, once.
TEST(FamilyTable, TokenizerFolderFilesCoverEveryRowOnce) {
  const std::vector<std::string>& all = formats::tokenizer_folder_files();
  for (const char* common :
       {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"}) {
    EXPECT_EQ(std::count(all.begin(), all.end(), common), 1) << common;
  }
  for (const FamilyDescriptor& f : formats::families()) {
    for (const std::string& name : f.tokenizer_files) {
      EXPECT_EQ(std::count(all.begin(), all.end(), name), 1) << f.model_type << ": " << name;
    }
  }
}

TEST(FamilyTable, SaverEncoderPrefixesCoverEveryFamilyAndNoHead) {
  for (const FamilyDescriptor& f : formats::families()) {
    SCOPED_TRACE(f.model_type);
    EXPECT_TRUE(counted_as_encoder(f.checkpoint_prefix + "embeddings.word_embeddings.weight"));
    for (const std::string& m : f.encoder_modules) {
      EXPECT_TRUE(counted_as_encoder(m + "x")) << m;
      EXPECT_TRUE(counted_as_encoder(f.checkpoint_prefix + m + "x")) << m;
    }
    // A head tensor the saver counted as encoder would be left out of the model file.
    for (const FamilyDescriptor& other : formats::families()) {
      for (const std::string& h : head_names(other)) {
        EXPECT_FALSE(counted_as_encoder(h + ".weight")) << other.model_type << " head " << h;
      }
    }
  }
}

// Every committed fixture folder with a config.json and a model.safetensors.
std::vector<std::string> fixture_folders() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& parent : {testing::test_data("families"), testing::test_data("heads")}) {
    for (const auto& e : fs::directory_iterator(parent)) {
      if (fs::exists(e.path() / "config.json") && fs::exists(e.path() / "model.safetensors")) {
        out.push_back(e.path().string());
      }
    }
  }
  out.push_back(testing::test_data("tiny-bert"));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FamilyTable, FixturesSplitIntoEncoderAndHeadTensorsAsTheSaverDoes) {
  std::set<std::string> types_with_fixture;
  const std::vector<std::string> folders = fixture_folders();
  ASSERT_GE(folders.size(), 10u);
  for (const std::string& dir : folders) {
    SCOPED_TRACE(dir);
    const ModelConfig c = ModelConfig::from_json_file(dir + "/config.json");
    const FamilyDescriptor& f = formats::family(c.model_type);
    types_with_fixture.insert(f.model_type);
    const formats::Checkpoint ck = formats::Checkpoint::open_folder(dir);
    int encoder = 0;
    for (const std::string& name : ck.names()) {
      const std::string bare =
          starts_with(name, f.checkpoint_prefix) ? name.substr(f.checkpoint_prefix.size()) : name;
      const bool in_modules =
          std::any_of(f.encoder_modules.begin(), f.encoder_modules.end(),
                      [&](const std::string& m) { return starts_with(bare, m); });
      if (bare == "embeddings.position_ids") continue;  // an int buffer, never saved
      EXPECT_EQ(counted_as_encoder(name), in_modules) << name;
      if (starts_with(name, f.checkpoint_prefix)) {
        EXPECT_TRUE(in_modules) << name
                                << ": under the base-model prefix, in none of the row's modules";
      }
      encoder += in_modules ? 1 : 0;
    }
    EXPECT_GT(encoder, 0);
  }
  for (const FamilyDescriptor& f : formats::families()) {
    EXPECT_TRUE(types_with_fixture.count(f.model_type)) << f.model_type << " has no test model";
  }
}

TEST(FamilyTable, UnknownModelTypeIsUnsupportedAndNamesTheSupportedOnes) {
  EXPECT_EQ(formats::find_family("gpt2"), nullptr);
  try {
    formats::family("gpt2");
    ADD_FAILURE() << "gpt2 has a row";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'gpt2'"), std::string::npos) << msg;
    for (const FamilyDescriptor& f : formats::families()) {
      EXPECT_NE(msg.find(f.model_type), std::string::npos) << msg;
    }
  }
  ModelConfig c;
  c.model_type = "gpt2";
  try {
    models::checkpoint_prefixes(c);
    ADD_FAILURE() << "gpt2 has a checkpoint prefix";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  }
}

}  // namespace
}  // namespace lightbert
