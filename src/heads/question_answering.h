// heads/question_answering.h: BertForQuestionAnswering's head and the question-answering
// pipeline's span selection.
// Contract: load() reads qa_outputs.weight [2, H] and qa_outputs.bias [2] (the name: the family
// row's qa_outputs, formats/model_family.h); run() gives start and
// end logits per token. best_spans() is Hugging Face's select_starts_ends + decode_spans +
// get_indices(align_to_words=True) for one window: only context tokens (sequence id 1) and
// [CLS] take part in the two softmaxes (the others are masked to -10000 as HF does, which
// makes them exactly 0), [CLS]'s probability is then zeroed, candidates are context spans with
// start <= end < start + max_answer_len scored start_prob * end_prob, the top_k best (ties: lower
// start, then lower end) are kept, and each is widened to whole words of the context (the
// first token of the start word to the last token of the end word in this window). Spans that
// start at [CLS] (score 0) are never returned, so a window with fewer than top_k context spans
// gives fewer answers.
#pragma once

#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "heads/head_common.h"
#include "lightbert/tokenizer.h"
#include "lightbert/types.h"

namespace lightbert::heads {

struct QaHead {
  Linear qa_outputs;

  // From `ck`, the Model's head_checkpoint() (models/model_source.h: the weights it opened once);
  // `dir` names the model in messages.
  static QaHead load(const formats::Checkpoint& ck, const std::string& dir,
                     const ModelConfig& config, const kernels::KernelTable& table);
  // hidden [T, H] -> start [T], end [T].
  // hidden [T, H] -> start [T], end [T] (one ops::linear over the T rows on ctx).
  void run(const ops::OpContext& ctx, const float* hidden, size_t tokens, float* start,
           float* end) const;
};

std::vector<Answer> best_spans(const Encoding& window, const float* start_logits,
                               const float* end_logits, int32_t cls_id, int top_k,
                               int max_answer_len, const std::string& context,
                               const std::vector<size_t>& cp, int window_index);

}  // namespace lightbert::heads
