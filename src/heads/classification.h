// heads/classification.h: the *ForSequenceClassification heads of each family and the
// text-classification pipeline's scores.
// Contract: load() builds the head from config.model_type's row of the family table
// (formats/model_family.h, ClassifierLayout), as Hugging Face builds it:
//  - bert, albert: logits = classifier(pooler_output); classifier.weight [L, H] / .bias [L]
//    (top level; L from the tensor); needs the encoder's pooler.
//  - roberta, xlm-roberta (RobertaClassificationHead): classifier.out_proj(tanh(
//    classifier.dense(h[first token]))).
//  - electra (ElectraClassificationHead): classifier.out_proj(gelu(classifier.dense(h[first]))),
//    exact erf GELU.
//  - distilbert: classifier(relu(pre_classifier(h[first]))).
// A missing tensor throws kNotFound naming it. Scores follow Hugging Face's
// TextClassificationPipeline: sigmoid when problem_type is "multi_label_classification" or
// L == 1, else softmax. Labels come from id2label (LABEL_i). The Linears run through
// ops::linear (head_common.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "heads/head_common.h"
#include "lightbert/config.h"

namespace lightbert::heads {

struct ClassificationHead {
  bool uses_pooler = true;      // input: the pooler output, else the first token's state
  std::optional<Linear> dense;  // the hidden-to-hidden layer before the classifier, if any
  Activation dense_act = Activation::kTanh;
  Linear classifier;
  bool sigmoid = false;
  std::vector<std::string> labels;

  // From `ck`, the Model's head_checkpoint() (models/model_source.h: the weights it opened once);
  // `dir` names the model in messages.
  static ClassificationHead load(const formats::Checkpoint& ck, const std::string& dir,
                                 const ModelConfig& config, bool has_pooler,
                                 const kernels::KernelTable& table);
  // input [B, H] (pooler rows when uses_pooler, else each sequence's first token) -> logits
  // [B, L], scores [B, L] (row-major), every Linear once over all B rows on ctx.
  void run(const ops::OpContext& ctx, tensor::ConstMatrixView input, float* logits,
           float* scores) const;
};

}  // namespace lightbert::heads
