// kernels/dispatch.cpp: picks the kernel table once per process (see kernels.h).
// Contract: "avx512" needs AVX-512 F/BW/DQ/VL (the flags its folder is compiled with that the
// compiler may emit for fp32 code), "avx2" needs AVX2+FMA+F16C, "generic" runs anywhere;
// cpu_supports("avx512_vnni" / "avx512_bf16") tells the avx512 table whether to install its VNNI
// int8 / AVX512_BF16 GEMMs. The
// choice is made on first use of active_kernels(), honouring LIGHTBERT_ISA; a bad value throws
// lightbert::Error on every call until fixed (the choice is then never changed).
#include <cstdlib>
#include <mutex>
#include <string>

#include "kernels/kernels.h"
#include "lightbert/error.h"

namespace lightbert::kernels {

std::string packed_layout(const KernelTable& table, WeightDtype dtype) {
  switch (dtype) {
    case WeightDtype::kBF16:
      return packed_layout_tag(dtype, 2, table.bf16_nr);
    case WeightDtype::kI8:
      return packed_layout_tag(dtype, table.i8_kgroup, table.i8_nr, table.i8_qmax);
    case WeightDtype::kF32:
      break;
  }
  return packed_layout_tag(WeightDtype::kF32, 1, table.gemm_nr);
}

bool cpu_supports(std::string_view name) {
  __builtin_cpu_init();
  if (name == "generic") return true;
  if (name == "avx2") {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
  }
  if (name == "avx512_vnni") {  // the int8 GEMM of the avx512 table (not a table of its own)
    return cpu_supports("avx512") && __builtin_cpu_supports("avx512vnni");
  }
  if (name == "avx512_bf16") {  // its bf16 GEMM
    return cpu_supports("avx512") && __builtin_cpu_supports("avx512bf16");
  }
  if (name == "avx512") {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           cpu_supports("avx2");
  }
  return false;
}

std::vector<const KernelTable*> available_kernel_tables() {
  std::vector<const KernelTable*> tables;
  if (cpu_supports("avx512")) tables.push_back(&avx512_kernels());
  if (cpu_supports("avx2")) tables.push_back(&avx2_kernels());
  tables.push_back(&generic_kernels());
  return tables;
}

const KernelTable& kernels_by_name(std::string_view name) {
  const KernelTable* table = nullptr;
  if (name == "avx512") table = &avx512_kernels();
  if (name == "avx2") table = &avx2_kernels();
  if (name == "generic") table = &generic_kernels();
  if (table == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "LIGHTBERT_ISA: unknown ISA '" + std::string(name) +
                                                 "' (expected avx512, avx2 or generic)");
  }
  if (!cpu_supports(name)) {
    throw Error(ErrorCode::kUnsupported,
                "LIGHTBERT_ISA: this CPU cannot run '" + std::string(name) + "'");
  }
  return *table;
}

const KernelTable& select_kernels(const char* isa) {
  if (isa != nullptr && *isa != '\0') return kernels_by_name(isa);
  return *available_kernel_tables().front();
}

const KernelTable& active_kernels() {
  static std::mutex mutex;
  static const KernelTable* chosen = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (chosen == nullptr) chosen = &select_kernels(std::getenv("LIGHTBERT_ISA"));
  return *chosen;
}

const char* active_isa_name() {
  return active_kernels().name;
}

}  // namespace lightbert::kernels
