// kernels/variants.h: what each ISA folder exports to kernels/dispatch.cpp, which composes the
// variant tables from them by field name (kernels.h lists the variants).
// Contract: each fill_* function sets only the KernelTable fields of its own kernels (the rest of
// the table is left as the caller built it) and never fails; fill_*_probes likewise for
// KernelProbes. The avx512 and amx folders are compiled twice (native and emulated,
// avx512/isa_avx512.h), so their functions exist in two namespaces each.
#pragma once

#include "kernels/kernels.h"

namespace lightbert::kernels {

namespace generic {
void fill(KernelTable& t);  // every field (a complete table)
void fill_probes(KernelProbes& p);
}  // namespace generic

namespace avx2 {
void fill(KernelTable& t);  // every field: fp32, int8 (sign-split codes), bf16 (fp32 activations)
void fill_probes(KernelProbes& p);
}  // namespace avx2

#define LIGHTBERT_DECLARE_AVX512_FILLS(NS)                                         \
  namespace NS {                                                                   \
  void fill_fp32(KernelTable& t); /* GEMM geometry, sgemm, activation, norms */    \
  void fill_vnni(KernelTable& t); /* int8: u8 codes, vpdpbusd */                   \
  void fill_bf16(KernelTable& t); /* bf16: bf16 activations, vdpbf16ps */          \
  void fill_probes(KernelProbes& p, bool vnni, bool bf16);                         \
  }
LIGHTBERT_DECLARE_AVX512_FILLS(avx512)
LIGHTBERT_DECLARE_AVX512_FILLS(avx512_emu)
#undef LIGHTBERT_DECLARE_AVX512_FILLS

#define LIGHTBERT_DECLARE_AMX_FILLS(NS)                                           \
  namespace NS {                                                                  \
  void fill(KernelTable& t); /* int8 and bf16 GEMMs on AMX tiles */               \
  void fill_probes(KernelProbes& p);                                              \
  }
LIGHTBERT_DECLARE_AMX_FILLS(amx)
LIGHTBERT_DECLARE_AMX_FILLS(amx_emu)
#undef LIGHTBERT_DECLARE_AMX_FILLS

}  // namespace lightbert::kernels
