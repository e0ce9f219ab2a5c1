// tokenizer/post_processor.cpp: templates and longest_first truncation (see the header).
#include "tokenizer/post_processor.h"

#include <algorithm>
#include <utility>

namespace lightbert::tokenizer {

size_t Template::added(bool is_pair) const {
  size_t n = 0;
  for (const TemplateItem& item : is_pair ? pair : single) {
    if (!item.is_sequence) n += item.ids.size();
  }
  return n;
}

Template Template::bert(int32_t cls_id, int32_t sep_id) {
  Template t;
  const auto special = [](int32_t id, int32_t type_id) {
    TemplateItem item;
    item.ids = {id};
    item.type_id = type_id;
    return item;
  };
  const auto sequence = [](int which, int32_t type_id) {
    TemplateItem item;
    item.is_sequence = true;
    item.sequence = which;
    item.type_id = type_id;
    return item;
  };
  t.single = {special(cls_id, 0), sequence(0, 0), special(sep_id, 0)};
  t.pair = {special(cls_id, 0), sequence(0, 0), special(sep_id, 0), sequence(1, 1),
            special(sep_id, 1)};
  return t;
}

Template Template::roberta(int32_t cls_id, int32_t sep_id) {
  Template t = bert(cls_id, sep_id);
  for (auto* items : {&t.single, &t.pair}) {
    for (TemplateItem& item : *items) item.type_id = 0;
  }
  TemplateItem extra;
  extra.ids = {sep_id};
  t.pair.insert(t.pair.begin() + 3, extra);
  return t;
}

Template Template::none() {
  Template t;
  TemplateItem a;
  a.is_sequence = true;
  TemplateItem b = a;
  b.sequence = 1;
  b.type_id = 1;
  t.single = {a};
  t.pair = {a, b};
  return t;
}

void truncate_lengths(size_t budget, bool has_pair, size_t& n_a, size_t& n_b) {
  if (!has_pair) {
    n_a = std::min(n_a, budget);
    n_b = 0;
    return;
  }
  if (n_a + n_b <= budget) return;
  // Hugging Face tokenizers, utils/truncation.rs, LongestFirst with a pair.
  size_t n1 = n_a;
  size_t n2 = n_b;
  const bool swap = n1 > n2;
  if (swap) std::swap(n1, n2);
  if (n1 > budget) {
    n2 = n1;
  } else {
    n2 = std::max(n1, budget - n1);
  }
  if (n1 + n2 > budget) {
    n1 = budget / 2;
    n2 = n1 + budget % 2;
  }
  if (swap) std::swap(n1, n2);
  n_a = std::min(n_a, n1);
  n_b = std::min(n_b, n2);
}

}  // namespace lightbert::tokenizer
