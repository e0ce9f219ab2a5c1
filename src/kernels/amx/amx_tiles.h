// kernels/amx/amx_tiles.h: the thin AMX tile layer the amx kernels are written against, with two
// implementations: the intrinsics (native build, -mamx-tile -mamx-int8 -mamx-bf16) and a small
// scalar emulation of the documented tile semantics (emulated build, LIGHTBERT_EMULATED=1), so
// the same kernel source runs and is tested on CPUs without AMX.
// Contract (Intel SDM / ISE, "Intel AMX"):
//  * configure(cfg): palette 1, up to 8 tiles of rows x colsb bytes (rows <= 16, colsb <= 64).
// The kernels use the LIGHTBERT_TILE_* macros with literal tile numbers (GCC's intrinsics paste
// the number into the instruction), configure() and release():
//  * load<T>(base, stride): row r of tile T = colsb bytes at base + r * stride (r < rows); the
//    rest of the 16 x 64 register is zero. store<T> writes rows x colsb bytes back likewise.
//  * zero<T>(): all zero.
//  * dpbusd<C, A, B>(): C.i32[m][n] += sum_{i<4} u8(A[m][4k+i]) * s8(B[k][4n+i]) over
//    k < A.colsb / 4, n < C.colsb / 4, m < C.rows; 32-bit wrap-around, no saturation.
//  * dpbf16ps<C, A, B>(): C.f32[m][n] += A.bf16[m][2k] * B.bf16[k][2n], then
//    += A.bf16[m][2k+1] * B.bf16[k][2n+1] (products exact, each sum rounded to nearest even,
//    bf16 denormal inputs and fp32 denormal results flushed to zero, MXCSR ignored).
//  * release(): returns the tile state to init (call when a kernel is done).
// The emulated tile file is per thread, like the registers.
#pragma once

#include <cstdint>
#include <cstring>

#if !LIGHTBERT_EMULATED
#include <immintrin.h>
#endif

namespace lightbert::kernels::LIGHTBERT_ISA_NS::tiles {

// The 64-byte LDTILECFG operand.
struct alignas(64) Config {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(Config) == 64, "LDTILECFG takes 64 bytes");

#if LIGHTBERT_EMULATED

struct State {
  Config cfg;
  alignas(64) uint8_t t[8][16][64];
};
inline State& state() {
  static thread_local State s;
  return s;
}

inline void configure(const Config& cfg) {
  State& s = state();
  s.cfg = cfg;
  std::memset(s.t, 0, sizeof(s.t));
}
inline void release() {
  State& s = state();
  s.cfg = Config{};
  std::memset(s.t, 0, sizeof(s.t));
}
template <int T>
inline void zero() {
  std::memset(state().t[T], 0, sizeof(state().t[T]));
}
template <int T>
inline void load(const void* base, int64_t stride) {
  State& s = state();
  zero<T>();
  const auto* p = static_cast<const uint8_t*>(base);
  for (int r = 0; r < s.cfg.rows[T]; ++r) std::memcpy(s.t[T][r], p + r * stride, s.cfg.colsb[T]);
}
template <int T>
inline void store(void* base, int64_t stride) {
  const State& s = state();
  auto* p = static_cast<uint8_t*>(base);
  for (int r = 0; r < s.cfg.rows[T]; ++r) std::memcpy(p + r * stride, s.t[T][r], s.cfg.colsb[T]);
}
template <int C, int A, int B>
inline void dpbusd() {
  State& s = state();
  for (int m = 0; m < s.cfg.rows[C]; ++m) {
    for (int k = 0; k < s.cfg.colsb[A] / 4; ++k) {
      for (int n = 0; n < s.cfg.colsb[C] / 4; ++n) {
        uint32_t c;
        std::memcpy(&c, &s.t[C][m][4 * n], 4);
        for (int i = 0; i < 4; ++i) {
          const int32_t a = s.t[A][m][4 * k + i];
          const int32_t b = static_cast<int8_t>(s.t[B][k][4 * n + i]);
          c += static_cast<uint32_t>(a * b);
        }
        std::memcpy(&s.t[C][m][4 * n], &c, 4);
      }
    }
  }
}
inline float bf16_daz(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  if ((h & 0x7f80u) == 0) h &= 0x8000u;  // denormal (or zero) -> signed zero
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline float ftz(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) == 0) u &= 0x80000000u;
  std::memcpy(&x, &u, 4);
  return x;
}
template <int C, int A, int B>
inline void dpbf16ps() {
  State& s = state();
  for (int m = 0; m < s.cfg.rows[C]; ++m) {
    for (int k = 0; k < s.cfg.colsb[A] / 4; ++k) {
      for (int n = 0; n < s.cfg.colsb[C] / 4; ++n) {
        float c;
        std::memcpy(&c, &s.t[C][m][4 * n], 4);
        c = ftz(c + bf16_daz(&s.t[A][m][4 * k]) * bf16_daz(&s.t[B][k][4 * n]));
        c = ftz(c + bf16_daz(&s.t[A][m][4 * k + 2]) * bf16_daz(&s.t[B][k][4 * n + 2]));
        std::memcpy(&s.t[C][m][4 * n], &c, 4);
      }
    }
  }
}

#define LIGHTBERT_TILE_ZERO(T) ::lightbert::kernels::LIGHTBERT_ISA_NS::tiles::zero<T>()
#define LIGHTBERT_TILE_LOAD(T, base, stride) \
  ::lightbert::kernels::LIGHTBERT_ISA_NS::tiles::load<T>(base, stride)
#define LIGHTBERT_TILE_STORE(T, base, stride) \
  ::lightbert::kernels::LIGHTBERT_ISA_NS::tiles::store<T>(base, stride)
#define LIGHTBERT_TILE_DPBUSD(C, A, B) \
  ::lightbert::kernels::LIGHTBERT_ISA_NS::tiles::dpbusd<C, A, B>()
#define LIGHTBERT_TILE_DPBF16PS(C, A, B) \
  ::lightbert::kernels::LIGHTBERT_ISA_NS::tiles::dpbf16ps<C, A, B>()

#else

inline void configure(const Config& cfg) {
  _tile_loadconfig(&cfg);
}
inline void release() {
  _tile_release();
}
// GCC's tile intrinsics paste the tile number into the instruction text: literal numbers only.
#define LIGHTBERT_TILE_ZERO(T) _tile_zero(T)
#define LIGHTBERT_TILE_LOAD(T, base, stride) _tile_loadd(T, base, stride)
#define LIGHTBERT_TILE_STORE(T, base, stride) _tile_stored(T, base, stride)
#define LIGHTBERT_TILE_DPBUSD(C, A, B) _tile_dpbusd(C, A, B)
#define LIGHTBERT_TILE_DPBF16PS(C, A, B) _tile_dpbf16ps(C, A, B)

#endif

}  // namespace lightbert::kernels::LIGHTBERT_ISA_NS::tiles
