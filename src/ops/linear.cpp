// ops/linear.cpp: see linear.h. Tiles: rows in multiples of the micro-kernel height (about 64),
// columns in whole panels (about 256 columns), split further until every worker has several
// tiles; tiles that share weight panels are numbered consecutively.
#include "ops/linear.h"

#include <algorithm>
#include <string>

#include "lightbert/error.h"

namespace lightbert::ops {

kernels::PackedWeights pack_linear(const OpContext& ctx, const float* w, int64_t n, int64_t k,
                                   const float* bias) {
  return kernels::pack_weights(w, n, k, bias, ctx.kernels->gemm_nr);
}

void linear(const OpContext& ctx, tensor::ConstMatrixView x, const kernels::PackedWeights& w,
            tensor::MatrixView y, kernels::Act act, bool use_bias) {
  const kernels::KernelTable& k = *ctx.kernels;
  if (x.cols != w.k || y.cols != w.n || x.rows != y.rows || w.nr != k.gemm_nr) {
    throw Error(ErrorCode::kInternal, "linear: shape mismatch x [" + std::to_string(x.rows) + ", " +
                                          std::to_string(x.cols) + "], W [" + std::to_string(w.n) +
                                          ", " + std::to_string(w.k) + "] (nr " +
                                          std::to_string(w.nr) + "), y [" + std::to_string(y.rows) +
                                          ", " + std::to_string(y.cols) + "] for table " + k.name);
  }
  const int64_t m = x.rows;
  if (m == 0 || w.n == 0) return;

  kernels::SgemmArgs args;
  args.m = m;
  args.a = x.data;
  args.lda = x.ld;
  args.w = &w;
  args.use_bias = use_bias;
  args.act = act;
  args.c = y.data;
  args.ldc = y.ld;

  const int64_t mr = k.gemm_mr;
  const int64_t panels = w.num_panels();
  int64_t mc = (64 + mr - 1) / mr * mr;
  int64_t pc = std::max<int64_t>(1, 256 / k.gemm_nr);
  const int64_t workers = ctx.pool->size();
  const int64_t target = workers > 1 ? 4 * workers : 1;
  auto tiles = [&] { return ((m + mc - 1) / mc) * ((panels + pc - 1) / pc); };
  while (tiles() < target && pc > 1) pc = (pc + 1) / 2;
  while (tiles() < target && mc > mr) mc = std::max(mr, (mc / 2 + mr - 1) / mr * mr);

  const int64_t tiles_m = (m + mc - 1) / mc;
  const int64_t tiles_n = (panels + pc - 1) / pc;
  ctx.pool->parallel_for(tiles_m * tiles_n, [&](int64_t t, int) {
    const int64_t tn = t / tiles_m;
    const int64_t tm = t % tiles_m;
    const int64_t m0 = tm * mc;
    const int64_t p0 = tn * pc;
    k.sgemm_tile(args, m0, std::min(m, m0 + mc), p0, std::min(panels, p0 + pc));
  });
}

}  // namespace lightbert::ops
