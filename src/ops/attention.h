// ops/attention.h: multi-head self-attention over a ragged, padding-free batch.
// Contract: qkv is [tokens, 3 * hidden] (per row: Q | K | V, head h at columns h * head_dim of
// each third); sequence s occupies rows [offsets[s], offsets[s + 1]). For every sequence and head,
// ctx rows of that sequence = softmax(Q K^T / sqrt(head_dim)) V over the sequence's own tokens
// only (so no mask is needed and results equal a padded, masked batch); the scale is folded into
// the max-subtracted softmax. Q and V are read in place from the qkv rows (strided, no copies);
// K_h of a sequence is transposed once per work item into a per-worker L1/L2-sized panel.
// Queries run in row blocks whose score tile [rows, len] stays in L2 (about 64 KB), so Q K^T,
// softmax and P V of a block reuse it from cache. Work items are (sequence, head, row range),
// longest sequences first, split into row ranges only when there are too few (sequence, head)
// pairs to keep every worker busy. Writes ctx [tokens, hidden]. All scratch is grow-only and
// reserved before the parallel region, so the steady state does not allocate.
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
  // Sequence order (longest first) and per-sequence row-range counts, grow-only.
  std::vector<int64_t>& order() { return order_; }

 private:
  std::vector<tensor::AlignedBuffer> buffers_;
  std::vector<int64_t> order_;
};

// Query rows per block for a sequence of `len` tokens (the score tile is rows x len).
int64_t attention_block_rows(int64_t len);

void self_attention(const OpContext& ctx, tensor::ConstMatrixView qkv, const int64_t* offsets,
                    int64_t num_sequences, int num_heads, tensor::MatrixView out,
                    AttentionScratch& scratch);

}  // namespace lightbert::ops
