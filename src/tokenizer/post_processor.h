// tokenizer/post_processor.h: special-token templates and pair truncation.
// Contract: a Template is Hugging Face's TemplateProcessing (single and pair lists of special
// tokens and sequences with their type ids); BertProcessing and the vocab.txt default are the
// template [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1; RobertaProcessing (RoBERTa, XLM-R) is
// <s> $A </s> / <s> $A </s> </s> $B </s> with type id 0 throughout. truncate_lengths() is Hugging
// Face tokenizers' longest_first truncate_encodings (BertTokenizerFast): the shorter sequence is
// kept when it fits in half the budget, otherwise each gets half and the longer one (the pair on a
// tie) the odd token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lightbert::tokenizer {

struct TemplateItem {
  bool is_sequence = false;
  int sequence = 0;          // 0: A, 1: B (is_sequence)
  std::vector<int32_t> ids;  // special token ids (!is_sequence)
  int32_t type_id = 0;
};

struct Template {
  std::vector<TemplateItem> single;
  std::vector<TemplateItem> pair;

  size_t added(bool is_pair) const;  // number of special token ids the template adds
  static Template bert(int32_t cls_id, int32_t sep_id);
  // RobertaProcessing: <s> $A </s> / <s> $A </s> </s> $B </s>, every type id 0.
  static Template roberta(int32_t cls_id, int32_t sep_id);
  static Template none();  // no special tokens: $A, $A $B:1
};

// Lengths (n_a, n_b) that `a` and `b` tokens are cut to so that n_a + n_b <= budget
// (longest_first); for a single sequence pass has_pair = false.
void truncate_lengths(size_t budget, bool has_pair, size_t& n_a, size_t& n_b);

}  // namespace lightbert::tokenizer
