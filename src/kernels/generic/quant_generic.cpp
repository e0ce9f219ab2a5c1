// kernels/generic/quant_generic.cpp: see quant_generic.h. Plain C++ (no SIMD flags); the
// activation functions are the generic table's (libm), applied after the epilogue.
#include "kernels/generic/quant_generic.h"

#include <cstdint>
#include <vector>

#include "quant/quantize.h"

namespace lightbert::kernels::generic {

void bf16_gemm_tile(const SgemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  const PackedWeights& w = *g.w;
  const int nr = w.nr;
  const int kg = w.kgroup;
  float acc[256];
  for (int64_t p = p0; p < p1; ++p) {
    const uint16_t* panel = w.bf16_panel(p);
    const int64_t n0 = p * nr;
    const int nvalid = static_cast<int>(w.n - n0 < nr ? w.n - n0 : nr);
    for (int64_t m = m0; m < m1; ++m) {
      const float* a = g.a + m * g.lda;
      for (int j = 0; j < nr; ++j) acc[j] = g.use_bias ? w.bias.data()[n0 + j] : 0.0f;
      for (int64_t i = 0; i < w.k; ++i) {
        const uint16_t* row = panel + (i / kg) * nr * kg + i % kg;
        for (int j = 0; j < nr; ++j) acc[j] += a[i] * quant::bf16_to_float(row[j * kg]);
      }
      float* c = g.c + m * g.ldc + n0;
      for (int j = 0; j < nvalid; ++j) c[j] = acc[j];
      generic_kernels().activation(c, nvalid, g.act);
    }
  }
}

void quantize_rows_u8(const float* x, int64_t ldx, int64_t rows, int64_t k, int64_t kp, void* q,
                      int64_t ldq, float* scale, int32_t* zero) {
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* dst = static_cast<uint8_t*>(q) + r * ldq;
    quant::quantize_row_u8(x + r * ldx, k, dst, &scale[r], &zero[r]);
    for (int64_t i = k; i < kp; ++i) dst[i] = 0;
  }
}

void i8_gemm_tile(const I8GemmArgs& g, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  const PackedWeights& w = *g.w;
  const int nr = w.nr;
  const int kg = w.kgroup;
  int32_t acc[256];
  for (int64_t p = p0; p < p1; ++p) {
    const int8_t* panel = w.i8_panel(p);
    const int64_t n0 = p * nr;
    const int nvalid = static_cast<int>(w.n - n0 < nr ? w.n - n0 : nr);
    for (int64_t m = m0; m < m1; ++m) {
      const uint8_t* a = static_cast<const uint8_t*>(g.a) + m * g.lda;
      for (int j = 0; j < nr; ++j) acc[j] = 0;
      for (int64_t i = 0; i < w.k; ++i) {
        const int8_t* row = panel + (i / kg) * nr * kg + i % kg;
        const int32_t av = a[i];
        for (int j = 0; j < nr; ++j) acc[j] += av * row[j * kg];
      }
      float* c = g.c + m * g.ldc + n0;
      for (int j = 0; j < nvalid; ++j) {
        c[j] = dequantize(acc[j], g.a_scale[m], g.a_zero[m], w.scales.data()[n0 + j],
                          w.col_sums.data()[n0 + j], g.use_bias ? w.bias.data()[n0 + j] : 0.0f);
      }
      generic_kernels().activation(c, nvalid, g.act);
    }
  }
}

// 8 independent scalar integer multiply-add chains (the compiler may vectorise them).
double int8_probe(int64_t iterations) {
  int32_t acc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int64_t i = 0; i < iterations; ++i) {
    for (int32_t& a : acc) a = static_cast<int32_t>(static_cast<uint32_t>(a) * 3u + 1u);
  }
  volatile uint32_t sink = static_cast<uint32_t>(acc[0]) + static_cast<uint32_t>(acc[7]);
  (void)sink;
  return 16.0 * static_cast<double>(iterations);
}

}  // namespace lightbert::kernels::generic
