// models/roberta_tensors.cpp: read_roberta_tensors (family_tensors.h). Contract: RoBERTa and
// XLM-RoBERTa checkpoints hold BertModel's names (modeling_roberta.RobertaModel: RobertaEmbeddings
// + BERT layers + optional RobertaPooler), so this is read_bert_tensors with the position offset:
// real token t of a sequence reads position row pad_token_id + 1 + t
// (create_position_ids_from_input_ids; ids equal to pad_token_id inside a sequence are not
// special-cased: such a token would get position pad_token_id there).
#include "models/family_tensors.h"

namespace lightbert::models {

EncoderTensors read_roberta_tensors(const formats::Checkpoint& ckpt, const ModelConfig& cfg) {
  EncoderTensors t = read_bert_tensors(ckpt, cfg);
  t.position_offset = cfg.position_offset;
  return t;
}

}  // namespace lightbert::models
