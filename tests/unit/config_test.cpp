// tests/unit/config_test.cpp: ModelConfig::from_json_* on the real config.json files of
// bert-base-uncased, bert-base-chinese and all-MiniLM-L6-v2 (values checked against the files as
// published), Hugging Face BertConfig defaults, and one error per field: each must be a
// lightbert::Error of the right code whose one-line message names the source and the field.
#include "lightbert/config.h"

#include <gtest/gtest.h>

#include <string>

#include "lightbert/error.h"
#include "support/test_paths.h"

namespace lightbert {
namespace {

ModelConfig parse(const std::string& json) {
  return ModelConfig::from_json_string(json, "cfg.json");
}

// Expects `json` to fail with `code`, the message naming cfg.json and holding each needle.
void expect_error(const std::string& json, ErrorCode code,
                  const std::vector<std::string>& needles) {
  try {
    parse(json);
    ADD_FAILURE() << "accepted " << json;
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), code) << msg;
    EXPECT_EQ(msg.rfind("cfg.json: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << n << " in " << msg;
  }
}

TEST(ModelConfig, ReadsRealConfigs) {
  REQUIRE_SHARED();
  ModelConfig base =
      ModelConfig::from_json_file(testing::shared_vocab("bert-base-uncased") + "/config.json");
  EXPECT_EQ(base.model_type, "bert");
  EXPECT_EQ(base.architectures, std::vector<std::string>{"BertForMaskedLM"});
  EXPECT_EQ(base.vocab_size, 30522);
  EXPECT_EQ(base.hidden_size, 768);
  EXPECT_EQ(base.num_hidden_layers, 12);
  EXPECT_EQ(base.num_attention_heads, 12);
  EXPECT_EQ(base.head_dim(), 64);
  EXPECT_EQ(base.intermediate_size, 3072);
  EXPECT_EQ(base.hidden_act, Activation::kGelu);
  EXPECT_EQ(base.max_position_embeddings, 512);
  EXPECT_EQ(base.type_vocab_size, 2);
  EXPECT_EQ(base.layer_norm_eps, 1e-12f);
  EXPECT_EQ(base.pad_token_id, 0);
  EXPECT_EQ(base.position_embedding_type, "absolute");

  ModelConfig zh =
      ModelConfig::from_json_file(testing::shared_vocab("bert-base-chinese") + "/config.json");
  EXPECT_EQ(zh.vocab_size, 21128);
  EXPECT_EQ(zh.position_embedding_type, "absolute");  // absent in that file: the default

  ModelConfig mini =
      ModelConfig::from_json_file(testing::shared_vocab("all-MiniLM-L6-v2") + "/config.json");
  EXPECT_EQ(mini.architectures, std::vector<std::string>{"BertModel"});
  EXPECT_EQ(mini.hidden_size, 384);
  EXPECT_EQ(mini.num_hidden_layers, 6);
  EXPECT_EQ(mini.intermediate_size, 1536);
  EXPECT_EQ(mini.head_dim(), 32);
}

TEST(ModelConfig, DefaultsFollowHuggingFace) {
  for (const std::string& text :
       {std::string("{}"), std::string(R"({"hidden_size":null,"problem_type":null,
                                                  "id2label":null,"architectures":null})")}) {
    ModelConfig c = parse(text);
    EXPECT_EQ(c.model_type, "bert");
    EXPECT_EQ(c.vocab_size, 30522);
    EXPECT_EQ(c.hidden_size, 768);
    EXPECT_EQ(c.num_hidden_layers, 12);
    EXPECT_EQ(c.num_attention_heads, 12);
    EXPECT_EQ(c.intermediate_size, 3072);
    EXPECT_EQ(c.hidden_act, Activation::kGelu);
    EXPECT_EQ(c.max_position_embeddings, 512);
    EXPECT_EQ(c.type_vocab_size, 2);
    EXPECT_EQ(c.layer_norm_eps, 1e-12f);
    EXPECT_EQ(c.pad_token_id, 0);
    EXPECT_TRUE(c.architectures.empty());
    EXPECT_TRUE(c.id2label.empty());
    EXPECT_TRUE(c.problem_type.empty());
  }
}

TEST(ModelConfig, ReadsEveryField) {
  ModelConfig c = parse(R"({"model_type":"bert","architectures":["BertForSequenceClassification"],
      "vocab_size":100,"hidden_size":48,"num_hidden_layers":2,"num_attention_heads":4,
      "intermediate_size":96,"hidden_act":"relu","max_position_embeddings":64,
      "type_vocab_size":1,"layer_norm_eps":1e-5,"pad_token_id":3,
      "position_embedding_type":"absolute","id2label":{"0":"NEG","1":"POS","10":"X"},
      "label2id":{"NEG":0,"POS":1},"problem_type":"single_label_classification",
      "unknown_field":{"ignored":[1,2]}})");
  EXPECT_EQ(c.architectures, std::vector<std::string>{"BertForSequenceClassification"});
  EXPECT_EQ(c.vocab_size, 100);
  EXPECT_EQ(c.hidden_size, 48);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.head_dim(), 12);
  EXPECT_EQ(c.intermediate_size, 96);
  EXPECT_EQ(c.hidden_act, Activation::kRelu);
  EXPECT_EQ(c.max_position_embeddings, 64);
  EXPECT_EQ(c.type_vocab_size, 1);
  EXPECT_EQ(c.layer_norm_eps, 1e-5f);
  EXPECT_EQ(c.pad_token_id, 3);
  EXPECT_EQ(c.id2label, (std::map<int, std::string>{{0, "NEG"}, {1, "POS"}, {10, "X"}}));
  EXPECT_EQ(c.label2id, (std::map<std::string, int>{{"NEG", 0}, {"POS", 1}}));
  EXPECT_EQ(c.problem_type, "single_label_classification");
  EXPECT_EQ(parse(R"({"layer_norm_eps":1})").layer_norm_eps, 1.0f);
}

TEST(ModelConfig, MapsActivationsAsHuggingFace) {
  // transformers.activations.ACT2FN: gelu / gelu_python = erf GELU; gelu_new,
  // gelu_pytorch_tanh, gelu_fast, gelu_accurate = the tanh approximation.
  const std::pair<const char*, Activation> cases[] = {
      {"gelu", Activation::kGelu},         {"gelu_python", Activation::kGelu},
      {"gelu_new", Activation::kGeluNew},  {"gelu_pytorch_tanh", Activation::kGeluNew},
      {"gelu_fast", Activation::kGeluNew}, {"gelu_accurate", Activation::kGeluNew},
      {"relu", Activation::kRelu}};
  for (const auto& [name, act] : cases) {
    EXPECT_EQ(parse(std::string("{\"hidden_act\":\"") + name + "\"}").hidden_act, act) << name;
  }
  EXPECT_STREQ(activation_name(Activation::kGelu), "gelu");
  EXPECT_STREQ(activation_name(Activation::kGeluNew), "gelu_new");
  EXPECT_STREQ(activation_name(Activation::kRelu), "relu");
  expect_error(R"({"hidden_act":"quick_gelu"})", ErrorCode::kUnsupported,
               {"field 'hidden_act'", "quick_gelu", "supported"});
  expect_error(R"({"hidden_act":"silu"})", ErrorCode::kUnsupported, {"'hidden_act'", "silu"});
  expect_error(R"({"hidden_act":3})", ErrorCode::kFormat, {"'hidden_act'", "string"});
}

TEST(ModelConfig, RejectsBadIntegerFields) {
  for (const char* field : {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                            "intermediate_size", "max_position_embeddings", "type_vocab_size"}) {
    const std::string f = field;
    const std::string named = "field '" + f + "' must be a positive integer";
    expect_error("{\"" + f + "\":\"abc\"}", ErrorCode::kFormat, {named + ", got \"abc\""});
    expect_error("{\"" + f + "\":0}", ErrorCode::kFormat, {named + ", got 0"});
    expect_error("{\"" + f + "\":-4}", ErrorCode::kFormat, {named + ", got -4"});
    expect_error("{\"" + f + "\":12.5}", ErrorCode::kFormat, {named});
    expect_error("{\"" + f + "\":true}", ErrorCode::kFormat, {named + ", got true"});
    expect_error("{\"" + f + "\":[1]}", ErrorCode::kFormat, {named});
    expect_error("{\"" + f + "\":4294967296}", ErrorCode::kFormat, {named});
    expect_error("{\"" + f + "\":99999999999999999999999}", ErrorCode::kFormat, {named});
  }
  expect_error(R"({"pad_token_id":-1})", ErrorCode::kFormat,
               {"field 'pad_token_id' must be a non-negative integer, got -1"});
  expect_error(R"({"pad_token_id":"0"})", ErrorCode::kFormat, {"'pad_token_id'"});
  expect_error(R"({"vocab_size":10,"pad_token_id":10})", ErrorCode::kFormat,
               {"'pad_token_id'", "vocab_size (10)"});
  expect_error(R"({"hidden_size":100,"num_attention_heads":12})", ErrorCode::kFormat,
               {"field 'hidden_size'", "(100)", "num_attention_heads (12)"});
}

TEST(ModelConfig, RejectsBadOtherFields) {
  for (const char* eps : {"0", "-1e-5", "\"1e-12\"", "1e-50", "1e300", "[]"}) {
    expect_error(std::string("{\"layer_norm_eps\":") + eps + "}", ErrorCode::kFormat,
                 {"field 'layer_norm_eps'"});
  }
  expect_error(R"({"position_embedding_type":"relative_key"})", ErrorCode::kUnsupported,
               {"field 'position_embedding_type'", "relative_key"});
  expect_error(R"({"position_embedding_type":"relative_key_query"})", ErrorCode::kUnsupported,
               {"'position_embedding_type'", "relative_key_query"});
  expect_error(R"({"position_embedding_type":1})", ErrorCode::kFormat,
               {"'position_embedding_type'", "string"});
  expect_error(R"({"model_type":"gpt2"})", ErrorCode::kUnsupported,
               {"field 'model_type'", "gpt2", "bert"});
  expect_error(R"({"model_type":["bert"]})", ErrorCode::kFormat, {"'model_type'"});
  expect_error(R"({"architectures":"BertModel"})", ErrorCode::kFormat, {"'architectures'"});
  expect_error(R"({"architectures":["BertModel",1]})", ErrorCode::kFormat, {"'architectures'"});
  expect_error(R"({"id2label":["a"]})", ErrorCode::kFormat, {"field 'id2label'", "object"});
  expect_error(R"({"id2label":{"zero":"A"}})", ErrorCode::kFormat, {"'id2label'", "'zero'"});
  expect_error(R"({"id2label":{"1x":"A"}})", ErrorCode::kFormat, {"'id2label'", "'1x'"});
  expect_error(R"({"id2label":{"99999999999":"A"}})", ErrorCode::kFormat, {"'id2label'"});
  expect_error(R"({"id2label":{"0":1}})", ErrorCode::kFormat, {"'id2label'", "'0'", "string"});
  expect_error(R"({"label2id":{"A":"0"}})", ErrorCode::kFormat, {"field 'label2id'", "'A'"});
  expect_error(R"({"label2id":{"A":1.5}})", ErrorCode::kFormat, {"'label2id'", "'A'"});
  expect_error(R"({"label2id":[]})", ErrorCode::kFormat, {"'label2id'"});
  expect_error(R"({"problem_type":5})", ErrorCode::kFormat, {"field 'problem_type'"});
}

TEST(ModelConfig, RejectsBadFiles) {
  expect_error("{\"hidden_size\": 768,", ErrorCode::kFormat, {"JSON"});
  expect_error("[1,2]", ErrorCode::kFormat, {"object"});
  expect_error("", ErrorCode::kFormat, {"JSON"});
  expect_error("{\"\xff\":1}", ErrorCode::kFormat, {"JSON"});
  std::string dir = testing::make_temp_dir("config");
  try {
    ModelConfig::from_json_file(dir + "/config.json");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find(dir + "/config.json"), std::string::npos) << e.what();
  }
  try {
    ModelConfig::from_json_file(dir);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo) << e.what();
  }
  testing::write_file(dir + "/config.json", R"({"hidden_size":"abc"})");
  try {
    ModelConfig::from_json_file(dir + "/config.json");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir +
                                         "/config.json: field 'hidden_size' must be a positive "
                                         "integer, got \"abc\"");
  }
}

}  // namespace
}  // namespace lightbert
