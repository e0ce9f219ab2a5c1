// lightbert/config.h: the model hyper-parameters read from a Hugging Face config.json.
// Contract: ModelConfig::from_json_* validates every field it uses and throws
// lightbert::Error naming the file and the field for anything missing, mistyped or unsupported
// (e.g. position_embedding_type "relative_key"). Unknown extra fields are ignored. model_type
// picks the family: "bert", "roberta" / "xlm-roberta", "electra" and "albert" share BertConfig's
// field names (with their own defaults and extra fields); "distilbert" has its own (dim,
// n_layers, n_heads, hidden_dim, activation), mapped onto the same members.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lightbert/activation.h"

namespace lightbert {

struct ModelConfig {
  std::string model_type = "bert";
  std::vector<std::string> architectures;
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  Activation hidden_act = Activation::kGelu;
  int max_position_embeddings = 512;
  int type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
  int pad_token_id = 0;
  std::string position_embedding_type = "absolute";
  // Family fields. embedding_size: width of the embedding tables (ELECTRA, ALBERT), projected to
  // hidden_size when different; equals hidden_size for the other families.
  int embedding_size = 0;
  int num_hidden_groups = 1;          // ALBERT: distinct layer groups; depth i runs group
  int inner_group_num = 1;            //   int(i / (num_hidden_layers / num_hidden_groups)), each
                                      //   group inner_group_num layers in sequence
  int position_offset = 0;            // first position row (RoBERTa / XLM-R: pad_token_id + 1)
  bool sinusoidal_pos_embds = false;  // DistilBERT: fixed sinusoidal position table
  // type_vocab_size is 0 when the family has no token-type embeddings (DistilBERT): token types
  // given with the input are then ignored, as Hugging Face's tokenizer for it never makes them.
  // Heads removed per layer (Hugging Face's config.pruned_heads: layer -> original head indexes,
  // sorted, unique). The checkpoint's attention tensors then hold only the remaining heads.
  std::map<int, std::vector<int>> pruned_heads;
  // Task-head metadata, kept for the heads.
  std::map<int, std::string> id2label;
  std::map<std::string, int> label2id;
  std::string problem_type;

  int head_dim() const { return hidden_size / num_attention_heads; }
  // The longest input the position table allows (max_position_embeddings - position_offset).
  int max_input_length() const { return max_position_embeddings - position_offset; }
  // Distinct encoder layers in the checkpoint (ALBERT: num_hidden_groups * inner_group_num).
  int num_distinct_layers() const;
  // Attention heads that layer `layer` keeps after pruning.
  int heads_in_layer(int layer) const;

  // `source` names the file in error messages.
  static ModelConfig from_json_string(const std::string& text, const std::string& source);
  static ModelConfig from_json_file(const std::string& path);
};

const char* activation_name(Activation act) noexcept;

}  // namespace lightbert
