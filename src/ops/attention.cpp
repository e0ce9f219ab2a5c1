// ops/attention.cpp: see attention.h. Per work item (sequence s, head h, query rows [r0, r1)):
// K_h of s is transposed into the worker's panel kt [d, len] so both products are plain
// row-major GEMMs (table.gemm_nn broadcasts A and streams B rows: Q rows and V rows are read
// straight from the qkv buffer with its row stride); then for each block of query rows:
// scores = Q_blk kt, row softmax with the 1/sqrt(d) scale folded in, ctx_blk = scores V.
#include "ops/attention.h"

#include <algorithm>
#include <cmath>

#include "lightbert/error.h"

namespace lightbert::ops {

namespace {
constexpr int64_t kScoreTileFloats = 16 * 1024;  // 64 KB score tile per block
constexpr int64_t kMinBlockRows = 6;              // the gemm_nn micro-kernel height

// kt[c * len + j] = k[j * ld + c]: four source rows at a time, so every pass over the d
// columns writes four adjacent floats per kt row (the panel stays in L1 / L2).
void transpose_rows(const float* k, int64_t ld, int64_t len, int64_t d, float* kt) {
  int64_t j = 0;
  for (; j + 4 <= len; j += 4) {
    const float* r0 = k + j * ld;
    const float* r1 = r0 + ld;
    const float* r2 = r1 + ld;
    const float* r3 = r2 + ld;
    float* dst = kt + j;
    for (int64_t c = 0; c < d; ++c) {
      dst[c * len + 0] = r0[c];
      dst[c * len + 1] = r1[c];
      dst[c * len + 2] = r2[c];
      dst[c * len + 3] = r3[c];
    }
  }
  for (; j < len; ++j) {
    const float* r = k + j * ld;
    for (int64_t c = 0; c < d; ++c) kt[c * len + j] = r[c];
  }
}

}  // namespace

int64_t attention_block_rows(int64_t len) {
  // A multiple of the micro-kernel height, so only a sequence's last block has a row tail.
  const int64_t fit = kScoreTileFloats / std::max<int64_t>(len, 1) / kMinBlockRows * kMinBlockRows;
  return std::min(std::max(kMinBlockRows, fit), len);
}

void AttentionScratch::reserve(int workers, int64_t max_len, int64_t head_dim) {
  if (buffers_.size() < static_cast<size_t>(workers)) buffers_.resize(static_cast<size_t>(workers));
  const int64_t floats = max_len * head_dim + attention_block_rows(max_len) * max_len;
  for (int w = 0; w < workers; ++w) buffers_[static_cast<size_t>(w)].reserve(static_cast<size_t>(floats));
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
  const int workers = ctx.pool->size();
  scratch.reserve(workers, max_len, d);

  // Longest sequences first (the classic greedy balance for a dynamic schedule).
  std::vector<int64_t>& order = scratch.order();
  order.resize(static_cast<size_t>(num_sequences));  // no allocation once large enough
  for (int64_t s = 0; s < num_sequences; ++s) order[static_cast<size_t>(s)] = s;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const int64_t la = offsets[a + 1] - offsets[a], lb = offsets[b + 1] - offsets[b];
    return la != lb ? la > lb : a < b;
  });
  // Split each (sequence, head) into `splits` row ranges only when there are too few pairs.
  const int64_t pairs = num_sequences * num_heads;
  const int64_t want = 4 * static_cast<int64_t>(workers);
  const int64_t splits =
      workers > 1 && pairs < want
          ? std::min((want + pairs - 1) / pairs, std::max<int64_t>(1, max_len / (2 * kMinBlockRows)))
          : 1;

  const kernels::KernelTable& k = *ctx.kernels;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  ctx.pool->parallel_for(pairs * splits, [&](int64_t task, int worker) {
    const int64_t part = task % splits;
    const int64_t pair = task / splits;
    const int64_t s = order[static_cast<size_t>(pair / num_heads)];
    const int64_t h = pair % num_heads;
    const int64_t row0 = offsets[s];
    const int64_t len = offsets[s + 1] - row0;
    const int64_t per_part = (len + splits - 1) / splits;
    const int64_t r_begin = std::min(len, part * per_part);
    const int64_t r_end = std::min(len, r_begin + per_part);
    if (r_begin >= r_end) return;

    const float* q = qkv.row(row0) + h * d;
    const float* key = q + hidden;
    const float* v = q + 2 * hidden;
    float* kt = scratch.worker(worker);  // [d, len]
    float* scores = kt + d * len;        // [block, len]
    transpose_rows(key, qkv.ld, len, d, kt);
    const int64_t block = attention_block_rows(len);
    for (int64_t r = r_begin; r < r_end; r += block) {
      const int64_t rows = std::min(block, r_end - r);
      k.gemm_nn(rows, len, d, q + r * qkv.ld, qkv.ld, kt, len, scores, len);
      for (int64_t i = 0; i < rows; ++i) k.softmax(scores + i * len, len, scale);
      k.gemm_nn(rows, d, len, scores, len, v, qkv.ld, out.row(row0 + r) + h * d, out.ld);
    }
  });
}

}  // namespace lightbert::ops
