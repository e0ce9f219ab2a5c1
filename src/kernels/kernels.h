// kernels/kernels.h: the kernel dispatch tables, the only way ops reach ISA-specific code.
// Contract: a KernelTable is a struct of plain function pointers, one per kernel *variant*:
//   generic      plain C++ (any x86-64)
//   avx2         AVX2 + FMA + F16C: fp32, int8 (vpmaddubsw, sign-split codes), bf16 weights
//   avx512       AVX-512 F/BW/DQ/VL fp32; int8 / bf16 from avx2
//   avx512-vnni  avx512 + VNNI int8 (vpdpbusd, 1-byte u8 codes)
//   avx512-bf16  avx512-vnni + AVX512_BF16 bf16 GEMM (vdpbf16ps)
//   amx          avx512-bf16 + AMX int8 (tdpbusd) and bf16 (tdpbf16ps) GEMMs
// The tables are composed in kernels/dispatch.cpp by field name from the fill functions of each
// ISA folder (kernels/variants.h); one registry lists the variants with their CPU checks.
// The avx512* and amx variants also exist *emulated* (name + "-emu", emulated = true): the same
// sources compiled against SIMDe and a scalar AMX tile emulation (avx512/isa_avx512.h,
// amx/amx_tiles.h), runnable on any AVX2 CPU; slow, for tests (every_kernel_variant()).
// active_kernels() picks ONE table at first use: the best native variant, or the one named by
// env LIGHTBERT_ISA (any variant or "<variant>-emu"); an unknown value or a variant this CPU
// cannot run throws lightbert::Error (kInvalidArgument / kUnsupported) naming the value.
// Every table computes the same math; results differ only by float rounding, except: int8 packing
// (and weight code range i8_qmax) is table-specific (packed_layout), every table here uses 8-bit
// weights, and the int32 products are identical in all of them; tables with bf16_activations
// round the activations of bf16 GEMMs to bf16 (see below). NaN and Inf propagate alike in every
// table (an int8 row holding a non-finite value gives a NaN output row, as fp32 would).
// Kernels never allocate and never throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/packed_weights.h"
#include "lightbert/activation.h"

namespace lightbert::kernels {

// Element-wise activations (applied in place, and fused into the GEMM store) are
// lightbert::Activation (lightbert/activation.h): every table applies all five.

// C[m, n] = act(A[m, k] * W^T + bias), W packed (PackedWeights holds W as [n, k] + bias).
struct SgemmArgs {
  int64_t m = 0;
  const float* a = nullptr;
  int64_t lda = 0;
  const PackedWeights* w = nullptr;
  bool use_bias = true;  // false: ignore w->bias (e.g. the bias is added later with LayerNorm)
  Activation act = Activation::kNone;
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
  Activation act = Activation::kNone;
  float* c = nullptr;
  int64_t ldc = 0;
};

struct KernelTable {
  const char* name = nullptr;  // the variant ("avx512-vnni"; "avx512-vnni-emu" when emulated)
  bool emulated = false;       // SIMDe / scalar-tile emulation of the variant (tests only)

  int gemm_nr = 0;  // panel width (output columns per packed panel) this table's GEMM reads
  int gemm_mr = 0;  // rows per micro-kernel call (tiles should be a multiple of it)
  int gemm_kc = 0;  // K block length (cache blocking)

  // Computes rows [m0, m1) x panels [p0, p1) of the SgemmArgs product (panel = gemm_nr output
  // columns; the last panel may be partial). Disjoint tiles may run concurrently.
  void (*sgemm_tile)(const SgemmArgs& args, int64_t m0, int64_t m1, int64_t p0,
                     int64_t p1) = nullptr;

  // x[0..n) = act(x[0..n)).
  void (*activation)(float* x, int64_t n, Activation act) = nullptr;

  // out[0..n) = LayerNorm(x + bias + residual) * gamma + beta; bias / residual may be null.
  // out may alias x or residual.
  void (*layer_norm)(const float* x, const float* bias, const float* residual, const float* gamma,
                     const float* beta, float eps, float* out, int64_t n) = nullptr;

  // x[0..n) = softmax(x * scale), max-subtracted.
  void (*softmax)(float* x, int64_t n, float scale) = nullptr;

  // C[m, n] = A[m, k] * B[k, n] (all row-major with leading dimensions), plain (unpacked) operands;
  // used inside attention.
  void (*gemm_nn)(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                  int64_t ldb, float* c, int64_t ldc) = nullptr;

  // ---- reduced-precision weights (packed_weights.h); a null entry means "not in this table".
  // bf16 weights (layout bf16.k2.nr<bf16_nr>), the contract of sgemm_tile with panels of bf16_nr
  // columns. Activations: fp32 (weights widened, fp32 FMAs) unless bf16_activations, where they
  // are rounded to bf16 (nearest even) and multiplied by the hardware's bf16 dot products
  // (vdpbf16ps, tdpbf16ps: exact products, fp32 sums), as oneDNN's and ONNX Runtime's bf16 do:
  // those instructions are what makes bf16 pay (2x / 16x the fp32 FMA rate), and the product of
  // two bf16-rounded operands keeps mean cosine >= 0.9999 on 12-layer bert-base (tests/unit).
  int bf16_nr = 0;
  bool bf16_activations = false;
  void (*bf16_gemm_tile)(const SgemmArgs& args, int64_t m0, int64_t m1, int64_t p0,
                         int64_t p1) = nullptr;
  // int8 weights (layout int8[q<i8_qmax>].k<i8_kgroup>.nr<i8_nr>).
  int i8_nr = 0;
  int i8_kgroup = 0;
  int i8_qmax = 127;  // weight codes in [-i8_qmax, i8_qmax] (127 in every table here)
  int i8_mr = 0;      // rows per int8 micro-kernel call; the code buffer holds whole strips of
                      // i8_mr rows (rows past m zero) since a kernel may read the full strip
  // Bytes per stored activation code: 1: the u8 code q; 2: sign-split (AVX2): per K quad of a
  // row, 4 bytes s = q - 128 (int8) then 4 bytes |s| (uint8, 128 for s = -128), padding both 0.
  int i8_code_bytes = 1;
  // Codes per row are zero-padded to a multiple of i8_k_align (>= the K group; 64 for AMX tiles).
  int i8_k_align = 4;
  // Quantises `rows` rows of x (k columns, leading dimension ldx) to codes q (i8_code_bytes
  // each, leading dimension ldq codes; codes k..kp-1 set to 0) with per-row scale / zero
  // (quant/quantize.h rule, bit-exact).
  void (*quantize_rows_u8)(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp,
                           void* q, int64_t ldq, float* scale, int32_t* zero) = nullptr;
  // Rows [m0, m1) x panels [p0, p1) of the I8GemmArgs product (panels of i8_nr columns); m0 is
  // a multiple of i8_mr and the codes hold whole i8_mr-row strips (see i8_mr).
  void (*i8_gemm_tile)(const I8GemmArgs& args, int64_t m0, int64_t m1, int64_t p0,
                       int64_t p1) = nullptr;
};

// Throughput probes for benchmarks (kept out of the production table): each runs `iterations`
// rounds of independent chains of the variant's widest multiply instruction and returns the
// operations performed (2 per multiply-add); the caller times them. Null when not meaningful.
struct KernelProbes {
  double (*fma)(int64_t iterations) = nullptr;   // fp32 FMA (FLOPs)
  double (*int8)(int64_t iterations) = nullptr;  // the int8 GEMM's multiply (int8 ops)
  double (*bf16)(int64_t iterations) = nullptr;  // the bf16 GEMM's multiply (FLOPs)
};

// The packed layout tag (packed_weights.h) this table's GEMM for `dtype` reads.
std::string packed_layout(const KernelTable& table, WeightDtype dtype);

// The variant names, best first: amx, avx512-bf16, avx512-vnni, avx512, avx2, generic.
const std::vector<std::string>& kernel_variant_names();
// Whether this CPU (and OS) can run variant `name` natively (AMX: after the XTILEDATA permission
// request, made once; a refusal means no). Unknown names: false.
bool cpu_supports(std::string_view name);
// Whether this CPU can run the emulated build of variant `name` (AVX2 for the avx512* / amx ones;
// false for generic and avx2, which have no emulated build).
bool can_emulate(std::string_view name);
// All native tables this CPU can run, best first (generic last).
std::vector<const KernelTable*> available_kernel_tables();
// Every variant once, best first: native where the CPU has it, else emulated where it can be
// (what the tests run, so every code path runs on every machine).
std::vector<const KernelTable*> every_kernel_variant();
// The table by name ("amx", "amx-emu", ...); throws lightbert::Error for an unknown name
// (kInvalidArgument) or one this CPU cannot run (kUnsupported, naming the "-emu" alternative).
const KernelTable& kernels_by_name(std::string_view name);
// The table an LIGHTBERT_ISA value selects: null or empty = the best this CPU runs; else as
// kernels_by_name (throws). active_kernels() calls it once with the environment's value.
const KernelTable& select_kernels(const char* isa);
// The table chosen once for the process (see the contract above).
const KernelTable& active_kernels();
const char* active_isa_name();
// The generic table (always native; the accuracy yardstick).
const KernelTable& generic_kernels();
// The probes of a table returned by the functions above (all null for an unknown table).
const KernelProbes& kernel_probes(const KernelTable& table);

}  // namespace lightbert::kernels
