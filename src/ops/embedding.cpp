// ops/embedding.cpp: see embedding.h. One fused kernel call per token: the LayerNorm kernel adds
// word + type ("bias") + position ("residual") before normalising. Parallel over token chunks;
// a token's position comes from a binary search of the sequence offsets. int8 word rows are
// dequantised into the token's output row, which the LayerNorm kernel may read and write.
#include "ops/embedding.h"

#include <algorithm>

#include "ops/layer_norm.h"

namespace lightbert::ops {

void embed(const OpContext& ctx, const EmbeddingTables& tables, const int32_t* ids,
           const int32_t* types, const int64_t* offsets, int64_t num_sequences,
           tensor::MatrixView out) {
  const int64_t tokens = out.rows;
  const int64_t hidden = out.cols;
  const int64_t chunk = rows_per_task(ctx, tokens);
  const kernels::KernelTable& k = *ctx.kernels;
  ctx.pool->parallel_for((tokens + chunk - 1) / chunk, [&](int64_t task, int) {
    const int64_t t0 = task * chunk;
    const int64_t t1 = std::min(tokens, t0 + chunk);
    // Sequence holding t0: the last s with offsets[s] <= t0.
    int64_t s = std::upper_bound(offsets, offsets + num_sequences + 1, t0) - offsets - 1;
    for (int64_t t = t0; t < t1; ++t) {
      while (t >= offsets[s + 1]) ++s;
      const int64_t pos = t - offsets[s] + tables.position_offset;
      const int64_t type = types != nullptr ? types[t] : 0;
      const float* type_row =
          tables.token_type != nullptr ? tables.token_type + type * hidden : nullptr;
      // (int8 tables leave `word` null: no arithmetic on it then, which would be UB.)
      const float* word_row = nullptr;
      if (tables.word_i8 != nullptr) {  // dequantise into the output row (layer_norm may alias)
        tables.word_i8->dequantize_row(ids[t], out.row(t));
        word_row = out.row(t);
      } else {
        word_row = tables.word + static_cast<int64_t>(ids[t]) * hidden;
      }
      k.layer_norm(word_row, type_row, tables.position + pos * hidden, tables.gamma, tables.beta,
                   tables.eps, out.row(t), hidden);
    }
  });
}

}  // namespace lightbert::ops
