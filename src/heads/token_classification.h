// heads/token_classification.h: BertForTokenClassification's head (optionally with a CRF) and
// the token-classification (NER) pipeline's post-processing.
// Contract: load() reads classifier.weight [L, H] / classifier.bias [L] (the name: the family
// row's token_classifier, formats/model_family.h) and, when present, the
// pytorch-crf tensors crf.{transitions,start_transitions,end_transitions}. tag() gives each
// token's label: argmax of its logits, or the CRF's Viterbi path over the whole sequence
// ([CLS] and [SEP] included). entities() is Hugging Face's TokenClassificationPipeline
// (gather_pre_entities, aggregate, group_entities, ignore_labels ["O"]) with a fast BERT
// tokenizer: scores are softmax(logits); a token is a sub-word when its vocabulary string and
// its text slice differ in length (code points); [UNK] takes its text slice; words are
// decoded WordPiece tokens; entity_group strips a "B-"/"I-" (any "X-") prefix, and only a tag
// that does not start with "B-" extends the previous group of the same tag, so E-/S- tags
// (BIOES) start groups of their own ("E-PER" is its own tag: "B-PER E-PER" gives two PER
// groups), exactly as Hugging Face does. With a CRF the Viterbi tag replaces the argmax and
// its softmax probability is the score; only none, simple and first are defined then.
// Tokenizers without a continuing-subword prefix follow the pipeline's other branch: RoBERTa
// (byte-level BPE) and XLM-R / ALBERT (SentencePiece) mark a token as a sub-word when it starts
// after the text's first character and neither it nor the character before is a space, and
// their words are Tokenizer::convert_tokens_to_string of the raw tokens (the tokenizer's own
// decoder); entity "word"s without aggregation are the raw tokens.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "heads/crf.h"
#include "heads/head_common.h"
#include "lightbert/tokenizer.h"
#include "lightbert/types.h"

namespace lightbert::heads {

struct TokenClassificationHead {
  Linear classifier;
  std::optional<Crf> crf;
  std::vector<std::string> labels;

  // From `ck`, the Model's head_checkpoint() (models/model_source.h: the weights it opened once);
  // `dir` names the model in messages.
  static TokenClassificationHead load(const formats::Checkpoint& ck, const std::string& dir,
                                      const ModelConfig& config, const kernels::KernelTable& table);
  // hidden [T, H] -> logits [T, L]: one ops::linear over the T rows on ctx (T may span several
  // sequences: a whole padding-free batch).
  void logits(const ops::OpContext& ctx, const float* hidden, size_t tokens, float* out) const;
  // One sequence's logits [T, L] -> its tags [T] (CRF Viterbi, else argmax).
  void tags(const float* logits, size_t tokens, std::vector<int>& tags) const;
};

// Entities of one text from its encoding, logits [T, L] and tags [T].
std::vector<Entity> entities(const TokenClassificationHead& head, const Tokenizer& tokenizer,
                             const std::string& text, const Encoding& encoding,
                             const std::vector<float>& logits, const std::vector<int>& tags,
                             Aggregation aggregation);

}  // namespace lightbert::heads
