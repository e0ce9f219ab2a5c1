// kernels/avx512/isa_avx512.h: the AVX-512 intrinsics for the translation units of the avx512
// and amx folders, native or emulated.
// Contract: each source of these folders is compiled twice (CMakeLists.txt): natively, with the
// AVX-512 (and AMX) flags, LIGHTBERT_EMULATED=0 and LIGHTBERT_ISA_NS=avx512 / amx; and emulated,
// with AVX2 flags only, LIGHTBERT_EMULATED=1 and LIGHTBERT_ISA_NS=avx512_emu / amx_emu, where the
// same _mm512_* names resolve to SIMDe (Debian's libsimde-dev; vpdpbusd bit-exact, vdpbf16ps)
// plus the small shim below for the few AVX-512F intrinsics SIMDe 0.7.4 lacks. The two builds
// live in different namespaces (LIGHTBERT_ISA_NS), so both link into one library and the tests
// run the AVX-512 and AMX code on any AVX2 CPU. Shim semantics follow Intel's documentation
// (cvtps_epi32: round to nearest even, out of range or NaN -> INT32_MIN).
#pragma once

#ifndef LIGHTBERT_EMULATED
#error "compile the avx512/amx folders through CMakeLists.txt (LIGHTBERT_EMULATED unset)"
#endif

#if LIGHTBERT_EMULATED
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace lightbert::kernels::emu_shim {

struct F16 {
  float v[16];
};
struct I16 {
  int32_t v[16];
};
inline F16 f(simde__m512 x) {
  F16 r;
  std::memcpy(r.v, &x, sizeof(r.v));
  return r;
}
inline I16 i(simde__m512i x) {
  I16 r;
  std::memcpy(r.v, &x, sizeof(r.v));
  return r;
}
inline simde__m512 to_ps(const F16& r) {
  simde__m512 x;
  std::memcpy(&x, r.v, sizeof(r.v));
  return x;
}
inline simde__m512i to_si(const I16& r) {
  simde__m512i x;
  std::memcpy(&x, r.v, sizeof(r.v));
  return x;
}
inline simde__m512 maskz_loadu_ps(uint16_t mask, const void* p) {
  F16 r{};
  const float* src = static_cast<const float*>(p);
  for (int l = 0; l < 16; ++l) r.v[l] = (mask >> l) & 1 ? src[l] : 0.0f;
  return to_ps(r);
}
inline void mask_storeu_ps(void* p, uint16_t mask, simde__m512 x) {
  const F16 r = f(x);
  float* dst = static_cast<float*>(p);
  for (int l = 0; l < 16; ++l) {
    if ((mask >> l) & 1) dst[l] = r.v[l];
  }
}
inline simde__m512i cvtps_epi32(simde__m512 x) {
  const F16 a = f(x);
  I16 r;
  for (int l = 0; l < 16; ++l) {
    const float v = std::nearbyint(a.v[l]);
    r.v[l] = (v >= -2147483648.0f && v < 2147483648.0f) ? static_cast<int32_t>(v) : INT32_MIN;
  }
  return to_si(r);
}
inline simde__m512 cvtepi32_ps(simde__m512i x) {
  const I16 a = i(x);
  F16 r;
  for (int l = 0; l < 16; ++l) r.v[l] = static_cast<float>(a.v[l]);
  return to_ps(r);
}
inline float reduce_add_ps(simde__m512 x) {  // the native tree order: halves, then quarters ...
  F16 a = f(x);
  for (int w = 8; w >= 1; w /= 2) {
    for (int l = 0; l < w; ++l) a.v[l] = a.v[l] + a.v[l + w];
  }
  return a.v[0];
}
inline float reduce_max_ps(simde__m512 x) {
  F16 a = f(x);
  for (int w = 8; w >= 1; w /= 2) {
    for (int l = 0; l < w; ++l) a.v[l] = a.v[l] > a.v[l + w] ? a.v[l] : a.v[l + w];
  }
  return a.v[0];
}
inline int32_t reduce_add_epi32(simde__m512i x) {
  const I16 a = i(x);
  uint32_t s = 0;
  for (int l = 0; l < 16; ++l) s += static_cast<uint32_t>(a.v[l]);
  return static_cast<int32_t>(s);
}
inline simde__m128i cvtepi32_epi8(simde__m512i x) {  // truncating, as vpmovdb
  const I16 a = i(x);
  uint8_t b[16];
  for (int l = 0; l < 16; ++l) b[l] = static_cast<uint8_t>(a.v[l]);
  simde__m128i r;
  std::memcpy(&r, b, sizeof(b));
  return r;
}

inline simde__m256i cvtepi32_epi16(simde__m512i x) {  // truncating, as vpmovdw
  const I16 a = i(x);
  uint16_t h[16];
  for (int l = 0; l < 16; ++l) h[l] = static_cast<uint16_t>(a.v[l]);
  simde__m256i r;
  std::memcpy(&r, h, sizeof(h));
  return r;
}

}  // namespace lightbert::kernels::emu_shim

#define _mm512_maskz_loadu_ps(m, p) ::lightbert::kernels::emu_shim::maskz_loadu_ps(m, p)
#define _mm512_mask_storeu_ps(p, m, x) ::lightbert::kernels::emu_shim::mask_storeu_ps(p, m, x)
#define _mm512_cvtps_epi32(x) ::lightbert::kernels::emu_shim::cvtps_epi32(x)
#define _mm512_cvtepi32_ps(x) ::lightbert::kernels::emu_shim::cvtepi32_ps(x)
#define _mm512_reduce_add_ps(x) ::lightbert::kernels::emu_shim::reduce_add_ps(x)
#define _mm512_reduce_max_ps(x) ::lightbert::kernels::emu_shim::reduce_max_ps(x)
#define _mm512_reduce_add_epi32(x) ::lightbert::kernels::emu_shim::reduce_add_epi32(x)
#define _mm512_cvtepi32_epi8(x) ::lightbert::kernels::emu_shim::cvtepi32_epi8(x)
#define _mm512_cvtepi32_epi16(x) ::lightbert::kernels::emu_shim::cvtepi32_epi16(x)

#else
// GCC 12's _mm512_reduce_* expand to self-initialised `__Y` temporaries and warn falsely.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif
