// ops/linear.cpp: see linear.h. Tiles: rows in whole micro-kernel strips (up to 48 strips, spread
// evenly), all columns; split over column panels only when M is too small to give every worker
// several row tiles; tiles that share weight panels are numbered consecutively. Every tile
// streams its panels' weights once per A block, so tall tiles stream them fewer times (48 strips
// instead of 6: bert-base b1_s128 -5%, MiniLM b1_s128 -13%, b32_s128 -7%; bench/README.md "Row
// tiles"). The same tiling serves the fp32, bf16 and int8 GEMMs (each with its own strip height and
// panel width).
#include "ops/linear.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "lightbert/error.h"

namespace lightbert::ops {

namespace {

using kernels::WeightDtype;

bool table_has(const kernels::KernelTable& t, WeightDtype dtype) {
  switch (dtype) {
    case WeightDtype::kBF16:
      return t.bf16_gemm_tile != nullptr;
    case WeightDtype::kI8:
      return t.i8_gemm_tile != nullptr && t.quantize_rows_u8 != nullptr;
    case WeightDtype::kF32:
      break;
  }
  return true;
}

// Runs tile(m0, m1, p0, p1) over the product's tiles (see the file comment).
template <typename Tile>
void run_tiles(const OpContext& ctx, int64_t m, int64_t mr, int64_t panels, const Tile& tile) {
  constexpr int64_t kStripsPerTile = 48;
  const int64_t strips = (m + mr - 1) / mr;
  const int64_t workers = ctx.pool->size();
  // Several tiles per worker balance the row tiles; a product of one row tile (small M) is split
  // over column panels only once per worker, since each column tile repacks the whole A block.
  const int64_t target = workers <= 1 ? 1 : (strips <= kStripsPerTile ? workers : 4 * workers);
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
    tile(m0, m1, p0, p1);
  });
}

// Per-thread scratch for the int8 activation codes and their row parameters (grow-only).
struct CodeScratch {
  std::vector<uint64_t> codes;  // 8-byte aligned
  std::vector<float> scale;
  std::vector<int32_t> zero;
};

void linear_int8(const OpContext& ctx, tensor::ConstMatrixView x, const kernels::PackedWeights& w,
                 tensor::MatrixView y, Activation act, bool use_bias) {
  const kernels::KernelTable& t = *ctx.kernels;
  thread_local CodeScratch scratch;
  const int64_t m = x.rows;
  const int64_t align = std::max<int64_t>(t.i8_k_align, 1);
  const int64_t kp = (w.k_padded() + align - 1) / align * align;  // codes per row the kernel reads
  const int64_t ldq = (kp + 31) / 32 * 32;  // codes per row, 64-byte multiple
  // Whole i8_mr-row strips: a kernel may read the rows of its last strip past m (AMX tiles).
  const int64_t m_strips = (m + t.i8_mr - 1) / t.i8_mr * t.i8_mr;
  const size_t row_bytes = static_cast<size_t>(ldq * t.i8_code_bytes);
  const size_t bytes = static_cast<size_t>(m_strips) * row_bytes;
  if (scratch.codes.size() * 8 < bytes) scratch.codes.resize(bytes / 8 + 1);
  if (scratch.scale.size() < static_cast<size_t>(m)) {
    scratch.scale.resize(static_cast<size_t>(m));
    scratch.zero.resize(static_cast<size_t>(m));
  }
  char* codes = reinterpret_cast<char*>(scratch.codes.data());
  if (m_strips > m) std::memset(codes + m * row_bytes, 0, (m_strips - m) * row_bytes);
  float* scale = scratch.scale.data();
  int32_t* zero = scratch.zero.data();
  // Quantise rows in chunks over the workers.
  const int64_t workers = ctx.pool->size();
  const int64_t chunks = std::min<int64_t>(m, workers > 1 ? 4 * workers : 1);
  ctx.pool->parallel_for(chunks, [&](int64_t c, int) {
    const int64_t r0 = c * m / chunks;
    const int64_t r1 = (c + 1) * m / chunks;
    t.quantize_rows_u8(x.data + r0 * x.ld, x.ld, r1 - r0, w.k, kp,
                       codes + r0 * ldq * t.i8_code_bytes, ldq, scale + r0, zero + r0);
  });
  kernels::I8GemmArgs args;
  args.m = m;
  args.a = codes;
  args.lda = ldq;
  args.a_scale = scale;
  args.a_zero = zero;
  args.w = &w;
  args.use_bias = use_bias;
  args.act = act;
  args.c = y.data;
  args.ldc = y.ld;
  run_tiles(ctx, m, t.i8_mr, w.num_panels(), [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
    t.i8_gemm_tile(args, m0, m1, p0, p1);
  });
}

}  // namespace

kernels::PackedWeights pack_linear(const OpContext& ctx, const float* w, int64_t n, int64_t k,
                                   const float* bias, kernels::WeightDtype dtype) {
  const kernels::KernelTable& t = *ctx.kernels;
  if (!table_has(t, dtype)) {
    throw Error(ErrorCode::kUnsupported, std::string("linear: the ") + t.name +
                                             " kernels have no GEMM for " +
                                             kernels::weight_dtype_name(dtype) + " weights");
  }
  switch (dtype) {
    case WeightDtype::kBF16:
      return kernels::pack_weights_bf16(w, n, k, bias, t.bf16_nr);
    case WeightDtype::kI8:
      return kernels::pack_weights_int8(w, n, k, bias, t.i8_nr, t.i8_kgroup, t.i8_qmax);
    case WeightDtype::kF32:
      break;
  }
  return kernels::pack_weights(w, n, k, bias, t.gemm_nr);
}

void linear(const OpContext& ctx, tensor::ConstMatrixView x, const kernels::PackedWeights& w,
            tensor::MatrixView y, Activation act, bool use_bias) {
  const kernels::KernelTable& k = *ctx.kernels;
  if (x.cols != w.k || y.cols != w.n || x.rows != y.rows ||
      w.layout != kernels::packed_layout(k, w.dtype) || !table_has(k, w.dtype)) {
    throw Error(ErrorCode::kInternal, "linear: shape mismatch x [" + std::to_string(x.rows) + ", " +
                                          std::to_string(x.cols) + "], W [" + std::to_string(w.n) +
                                          ", " + std::to_string(w.k) + "] (layout " + w.layout +
                                          "), y [" + std::to_string(y.rows) + ", " +
                                          std::to_string(y.cols) + "] for table " + k.name +
                                          " (layout " + kernels::packed_layout(k, w.dtype) + ")");
  }
  const int64_t m = x.rows;
  if (m == 0 || w.n == 0) return;
  if (w.dtype == WeightDtype::kI8) {
    linear_int8(ctx, x, w, y, act, use_bias);
    return;
  }

  kernels::SgemmArgs args;
  args.m = m;
  args.a = x.data;
  args.lda = x.ld;
  args.w = &w;
  args.use_bias = use_bias;
  args.act = act;
  args.c = y.data;
  args.ldc = y.ld;
  const bool bf16 = w.dtype == WeightDtype::kBF16;
  auto* tile_fn = bf16 ? k.bf16_gemm_tile : k.sgemm_tile;
  run_tiles(ctx, m, k.gemm_mr, w.num_panels(),
            [&](int64_t m0, int64_t m1, int64_t p0, int64_t p1) { tile_fn(args, m0, m1, p0, p1); });
}

}  // namespace lightbert::ops
