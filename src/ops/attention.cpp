// ops/attention.cpp: see attention.h. Per (sequence, head) task: K_h is transposed into scratch
// ([head_dim, L]) so both products are plain row-major GEMMs, scores [L, L] live in scratch.
#include "ops/attention.h"

#include <algorithm>
#include <cmath>

#include "lightbert/error.h"

namespace lightbert::ops {

void AttentionScratch::reserve(int workers, int64_t max_len, int64_t head_dim) {
  if (buffers_.size() < static_cast<size_t>(workers)) buffers_.resize(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    buffers_[static_cast<size_t>(w)].reserve(static_cast<size_t>(max_len * (max_len + head_dim)));
  }
}

void self_attention(const OpContext& ctx, tensor::ConstMatrixView qkv, const int64_t* offsets,
                    int64_t num_sequences, int num_heads, tensor::MatrixView out,
                    AttentionScratch& scratch) {
  const int64_t hidden = out.cols;
  if (num_heads <= 0 || hidden % num_heads != 0 || qkv.cols != 3 * hidden || qkv.rows != out.rows ||
      offsets[num_sequences] != out.rows) {
    throw Error(ErrorCode::kInternal, "self_attention: shape mismatch");
  }
  const int64_t d = hidden / num_heads;
  int64_t max_len = 0;
  for (int64_t s = 0; s < num_sequences; ++s)
    max_len = std::max(max_len, offsets[s + 1] - offsets[s]);
  scratch.reserve(ctx.pool->size(), max_len, d);

  const kernels::KernelTable& k = *ctx.kernels;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  ctx.pool->parallel_for(num_sequences * num_heads, [&](int64_t task, int worker) {
    const int64_t s = task / num_heads;
    const int64_t h = task % num_heads;
    const int64_t row0 = offsets[s];
    const int64_t len = offsets[s + 1] - row0;
    const float* q = qkv.row(row0) + h * d;
    const float* key = q + hidden;
    const float* v = q + 2 * hidden;
    float* kt = scratch.worker(worker);  // [d, len]
    float* scores = kt + d * len;        // [len, len]
    for (int64_t j = 0; j < len; ++j) {
      const float* krow = key + j * qkv.ld;
      for (int64_t c = 0; c < d; ++c) kt[c * len + j] = krow[c];
    }
    k.gemm_nn(len, len, d, q, qkv.ld, kt, len, scores, len);
    for (int64_t i = 0; i < len; ++i) k.softmax(scores + i * len, len, scale);
    k.gemm_nn(len, d, len, scores, len, v, qkv.ld, out.row(row0) + h * d, out.ld);
  });
}

}  // namespace lightbert::ops
