// kernels/kernels.h: the kernel dispatch table, the only way ops reach ISA-specific code.
// Contract: a KernelTable is a struct of plain function pointers filled by one ISA folder
// (generic/, avx2/, avx512/), each compiled with its own flags. active_kernels() picks ONE table
// at first use from the CPU flags (best available), or from env LIGHTBERT_ISA=avx512|avx2|generic;
// an unknown value or an ISA this CPU cannot run throws lightbert::Error (kInvalidArgument /
// kUnsupported) naming the value. Every table computes the same math; results differ only by
// float rounding, except int8, whose packing (and, in general, weight code range: i8_qmax) is
// table-specific (packed_layout); all tables here use 8-bit weights and give identical int32
// products. Kernels never allocate and never throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/packed_weights.h"

namespace lightbert::kernels {

// Element-wise activation applied in place (also the GEMM epilogue).
enum class Act { kNone, kGelu, kGeluTanh, kRelu, kTanh };

// C[m, n] = act(A[m, k] * W^T + bias), W packed (PackedWeights holds W as [n, k] + bias).
struct SgemmArgs {
  int64_t m = 0;
  const float* a = nullptr;
  int64_t lda = 0;
  const PackedWeights* w = nullptr;
  bool use_bias = true;  // false: ignore w->bias (e.g. the bias is added later with LayerNorm)
  Act act = Act::kNone;
  float* c = nullptr;
  int64_t ldc = 0;
};

// The int8 GEMM's operands: C[m, n] = act(dequant(Aq[m, k] * Wq^T) + bias) with Aq u8 codes of
// each row (quant/quantize.h: x ~= a_scale * (q - a_zero)) and W packed as kI8 (w ~= scale * q),
// i.e. C[i][j] = a_scale[i] * scales[j] * (sum_k Aq[i][k] * Wq[j][k] - a_zero[i] * col_sums[j])
// (+ bias[j]). The integer sum is exact (int32) in every table.
struct I8GemmArgs {
  int64_t m = 0;
  const void* a = nullptr;  // codes [m, lda] (KernelTable::i8_code_bytes each), lda >= k_padded,
                            // codes beyond k zero; lda counts codes
  int64_t lda = 0;
  const float* a_scale = nullptr;   // [m]
  const int32_t* a_zero = nullptr;  // [m]
  const PackedWeights* w = nullptr;
  bool use_bias = true;
  Act act = Act::kNone;
  float* c = nullptr;
  int64_t ldc = 0;
};

struct KernelTable {
  const char* name;  // "avx512", "avx2", "generic"
  int gemm_nr;       // panel width (output columns per packed panel) this table's GEMM reads
  int gemm_mr;       // rows per micro-kernel call (tiles should be a multiple of it)
  int gemm_kc;       // K block length (cache blocking)

  // Computes rows [m0, m1) x panels [p0, p1) of the SgemmArgs product (panel = gemm_nr output
  // columns; the last panel may be partial). Disjoint tiles may run concurrently.
  void (*sgemm_tile)(const SgemmArgs& args, int64_t m0, int64_t m1, int64_t p0, int64_t p1);

  // x[0..n) = act(x[0..n)).
  void (*activation)(float* x, int64_t n, Act act);

  // out[0..n) = LayerNorm(x + bias + residual) * gamma + beta; bias / residual may be null.
  // out may alias x or residual.
  void (*layer_norm)(const float* x, const float* bias, const float* residual, const float* gamma,
                     const float* beta, float eps, float* out, int64_t n);

  // x[0..n) = softmax(x * scale), max-subtracted.
  void (*softmax)(float* x, int64_t n, float scale);

  // C[m, n] = A[m, k] * B[k, n] (all row-major with leading dimensions), plain (unpacked) operands;
  // used inside attention.
  void (*gemm_nn)(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, float* c, int64_t ldc);

  // Throughput probe for benchmarks (not used by the model): runs `iterations` rounds of
  // independent FMA chains on this table's widest vectors and returns the FLOPs performed
  // (2 per lane per FMA); the caller times it.
  double (*fma_probe)(int64_t iterations);

  // ---- reduced-precision weights (packed_weights.h); a null entry means "not in this table".
  // bf16 weights (layout bf16.k2.nr<bf16_nr>), fp32 activations and accumulation: the contract of
  // sgemm_tile with panels of bf16_nr columns.
  int bf16_nr;
  void (*bf16_gemm_tile)(const SgemmArgs& args, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
  // int8 weights (layout int8[q<i8_qmax>].k<i8_kgroup>.nr<i8_nr>).
  int i8_nr;
  int i8_kgroup;
  int i8_qmax;  // weight codes in [-i8_qmax, i8_qmax] (127 in every table here)
  int i8_mr;    // rows per int8 micro-kernel call
  // Bytes per stored activation code: 1: the u8 code q; 2: sign-split (AVX2): per K quad of a
  // row, 4 bytes s = q - 128 (int8) then 4 bytes |s| (uint8, 128 for s = -128), padding both 0.
  int i8_code_bytes;
  // Quantises `rows` rows of x (k columns, leading dimension ldx) to codes q (i8_code_bytes
  // each, leading dimension ldq codes; codes k..kp-1 set to 0) with per-row scale / zero
  // (quant/quantize.h rule, bit-exact).
  void (*quantize_rows_u8)(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp,
                           void* q, int64_t ldq, float* scale, int32_t* zero);
  // Rows [m0, m1) x panels [p0, p1) of the I8GemmArgs product (panels of i8_nr columns).
  void (*i8_gemm_tile)(const I8GemmArgs& args, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
  // Throughput probe of the int8 kernel's multiply instruction chains: returns the int8 ops
  // performed (2 per multiply-add); the caller times it.
  double (*int8_probe)(int64_t iterations);
};

// The packed layout tag (packed_weights.h) this table's GEMM for `dtype` reads.
std::string packed_layout(const KernelTable& table, WeightDtype dtype);

// The tables compiled in; each ISA folder defines its getter.
const KernelTable& generic_kernels();
const KernelTable& avx2_kernels();
const KernelTable& avx512_kernels();

// Whether this CPU (and OS) can run the table named `name` ("avx512", "avx2", "generic"), or
// the avx512 table's optional GEMMs ("avx512_vnni", "avx512_bf16").
bool cpu_supports(std::string_view name);
// All tables this CPU can run, best first.
std::vector<const KernelTable*> available_kernel_tables();
// The table by name; throws lightbert::Error for an unknown name or one this CPU cannot run.
const KernelTable& kernels_by_name(std::string_view name);
// The table an LIGHTBERT_ISA value selects: null or empty = the best this CPU runs; else as
// kernels_by_name (throws). active_kernels() calls it once with the environment's value.
const KernelTable& select_kernels(const char* isa);
// The table chosen once for the process (see the contract above).
const KernelTable& active_kernels();
const char* active_isa_name();

}  // namespace lightbert::kernels
