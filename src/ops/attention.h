// ops/attention.h: multi-head self-attention over a ragged, padding-free batch.
// Contract: qkv is [tokens, 3 * hidden] (per row: Q | K | V, head h at columns h * head_dim of
// each third); sequence s occupies rows [offsets[s], offsets[s + 1]). For every sequence and head,
// ctx rows of that sequence = softmax(Q K^T / sqrt(head_dim)) V over the sequence's own tokens
// only (so no mask is needed and results equal a padded, masked batch). Writes ctx
// [tokens, hidden]. Work is spread over (sequence, head) pairs; `scratch` is reserved before the
// parallel region, so the steady state does not allocate.
#pragma once

#include <cstdint>
#include <vector>

#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::ops {

class AttentionScratch {
 public:
  // Makes room for `workers` tasks at once on sequences up to max_len tokens.
  void reserve(int workers, int64_t max_len, int64_t head_dim);
  float* worker(int w) { return buffers_[static_cast<size_t>(w)].data(); }

 private:
  std::vector<tensor::AlignedBuffer> buffers_;
};

void self_attention(const OpContext& ctx, tensor::ConstMatrixView qkv, const int64_t* offsets,
                    int64_t num_sequences, int num_heads, tensor::MatrixView out,
                    AttentionScratch& scratch);

}  // namespace lightbert::ops
