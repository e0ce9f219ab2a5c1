// ops/linear.cpp: see linear.h. Tiles: rows in whole micro-kernel strips (about 6 strips, spread
// evenly), all columns; split over column panels only when M is too small to give every worker
// several row tiles; tiles that share weight panels are numbered consecutively.
#include "ops/linear.h"

#include <algorithm>
#include <string>

#include "lightbert/error.h"

namespace lightbert::ops {

kernels::PackedWeights pack_linear(const OpContext& ctx, const float* w, int64_t n, int64_t k,
                                   const float* bias, kernels::WeightDtype dtype) {
  if (dtype != kernels::WeightDtype::kF32) {
    throw Error(ErrorCode::kUnsupported, std::string("linear: weights in ") +
                                             kernels::weight_dtype_name(dtype) +
                                             " are not implemented yet");
  }
  return kernels::pack_weights(w, n, k, bias, ctx.kernels->gemm_nr);
}

void linear(const OpContext& ctx, tensor::ConstMatrixView x, const kernels::PackedWeights& w,
            tensor::MatrixView y, kernels::Act act, bool use_bias) {
  const kernels::KernelTable& k = *ctx.kernels;
  if (x.cols != w.k || y.cols != w.n || x.rows != y.rows ||
      w.layout != kernels::packed_layout(k, w.dtype)) {
    throw Error(ErrorCode::kInternal, "linear: shape mismatch x [" + std::to_string(x.rows) + ", " +
                                          std::to_string(x.cols) + "], W [" + std::to_string(w.n) +
                                          ", " + std::to_string(w.k) + "] (layout " + w.layout +
                                          "), y [" + std::to_string(y.rows) + ", " +
                                          std::to_string(y.cols) + "] for table " + k.name +
                                          " (layout " + kernels::packed_layout(k, w.dtype) + ")");
  }
  if (w.dtype != kernels::WeightDtype::kF32) {
    throw Error(ErrorCode::kUnsupported, std::string("linear: weights in ") +
                                             kernels::weight_dtype_name(w.dtype) +
                                             " are not implemented yet");
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

  // Row tiles are whole micro-kernel strips, about kStripsPerTile of them, spread evenly; every
  // tile spans all output columns (the A block a tile packs is then reused by every panel).
  // Column tiles appear only when there are too few row tiles to keep the workers busy (small
  // M: the product streams the weights, and each worker then streams a disjoint part).
  constexpr int64_t kStripsPerTile = 6;
  const int64_t mr = k.gemm_mr;
  const int64_t panels = w.num_panels();
  const int64_t strips = (m + mr - 1) / mr;
  const int64_t workers = ctx.pool->size();
  const int64_t target = workers > 1 ? 4 * workers : 1;
  int64_t tiles_m = (strips + kStripsPerTile - 1) / kStripsPerTile;
  int64_t tiles_n = 1;
  if (tiles_m < target) tiles_n = std::min(panels, (target + tiles_m - 1) / tiles_m);
  if (tiles_m * tiles_n < target) tiles_m = std::min(strips, (target + tiles_n - 1) / tiles_n);
  // A tile count that is a multiple of the workers (tiles are near-equal in size) balances them.
  auto round_up = [&](int64_t v, int64_t cap) {
    return std::min(cap, (v + workers - 1) / workers * workers);
  };
  if (tiles_n == 1) {
    tiles_m = round_up(tiles_m, strips);
  } else {
    tiles_n = round_up(tiles_n, panels);
  }

  ctx.pool->parallel_for(tiles_m * tiles_n, [&](int64_t t, int) {
    const int64_t tn = t / tiles_m;  // consecutive tiles share weight panels
    const int64_t tm = t % tiles_m;
    const int64_t m0 = tm * strips / tiles_m * mr;
    const int64_t m1 = std::min(m, (tm + 1) * strips / tiles_m * mr);
    const int64_t p0 = tn * panels / tiles_n;
    const int64_t p1 = (tn + 1) * panels / tiles_n;
    k.sgemm_tile(args, m0, m1, p0, p1);
  });
}

}  // namespace lightbert::ops
