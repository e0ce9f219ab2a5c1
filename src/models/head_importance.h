// models/head_importance.h: which attention heads matter least, measured without gradients
// (the criterion behind `lightbert convert --prune-heads-ratio`).
// Contract: measure_head_importance runs the calibration batch once as is and once per
// remaining head with that head ablated (its value rows and bias zeroed, which is exactly
// Hugging Face's head_mask = 0 for it), and scores the head by the mean over all calibration
// tokens of 1 - cosine(final hidden state, ablated final hidden state). Heads are reported by
// their ORIGINAL index (config.pruned_heads accounted for). choose_heads_to_prune picks the
// floor(ratio * remaining heads) lowest scores (ties: lower layer, then lower head first),
// skipping a head whose layer would lose its last head. ratio outside [0, 1) or a model whose
// layers share weights throws lightbert::Error(kInvalidArgument / kUnsupported).
// row_cosine is the cosine of two rows of n floats, accumulated in double (1 when either is 0):
// the measure here and in convert's accuracy report.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "kernels/kernels.h"
#include "lightbert/config.h"
#include "lightbert/types.h"
#include "models/encoder_tensors.h"

namespace lightbert::models {

struct HeadScore {
  int layer = 0;
  int head = 0;  // original index
  double importance = 0.0;
};

std::vector<HeadScore> measure_head_importance(const ModelConfig& config,
                                               const EncoderTensors& tensors,
                                               const SequenceBatch& batch,
                                               const kernels::KernelTable& table, int threads);

double row_cosine(const float* a, const float* b, int64_t n);

std::map<int, std::vector<int>> choose_heads_to_prune(const std::vector<HeadScore>& scores,
                                                      const ModelConfig& config, double ratio);

}  // namespace lightbert::models
