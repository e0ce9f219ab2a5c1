// kernels/dispatch.cpp: the registry of kernel variants, their CPU checks, and the choice of one
// table per process (see kernels.h).
// Contract: kVariants lists every variant once, best first, with the CPU check of its native
// build and the recipe that composes its table by field name from the ISA folders' fill
// functions (kernels/variants.h): each variant starts from the one below it and replaces what it
// does better. Native and emulated tables are built once, on first use, and live for the
// process. CPU checks read CPUID / XGETBV (the OS must enable the register state); AMX also asks
// the kernel for the XTILEDATA permission once (arch_prctl), and a refusal makes amx unsupported.
// The choice honours LIGHTBERT_ISA; a bad value throws lightbert::Error on every call until fixed.
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "kernels/kernels.h"
#include "kernels/variants.h"
#include "lightbert/error.h"

namespace lightbert::kernels {

namespace {

uint64_t xgetbv0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

// F16C from CPUID leaf 1 (clang's __builtin_cpu_supports does not know "f16c").
bool has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
}

bool has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
}

bool has_avx512() {
  __builtin_cpu_init();  // GCC's checks include the OS's opmask / zmm state (XCR0)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && has_avx2();
}

bool has_vnni() {
  return has_avx512() && __builtin_cpu_supports("avx512vnni");
}

bool has_avx512_bf16() {
  return has_vnni() && __builtin_cpu_supports("avx512bf16");
}

// AMX-TILE, AMX-INT8, AMX-BF16 (CPUID.(7,0):EDX bits 24, 25, 22), the OS's tile state in XCR0
// (bits 17, 18), and the per-process XTILEDATA permission (Linux >= 5.16).
bool amx_permitted() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool tile = (d >> 24) & 1, int8 = (d >> 25) & 1, bf16 = (d >> 22) & 1;
  if (!(tile && int8 && bf16)) return false;
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  if (!__get_cpuid(1, &a1, &b1, &c1, &d1) || !((c1 >> 27) & 1)) return false;  // OSXSAVE
  if (((xgetbv0() >> 17) & 3) != 3) return false;
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

bool has_amx() {
  static const bool ok = has_avx512_bf16() && amx_permitted();
  return ok;
}

bool always() {
  return true;
}

struct Variant {
  const char* name;
  bool (*native)();
  bool emulable;  // has an emulated build (the avx512 and amx folders)
  // Fills t (and its probes) for the native or emulated build.
  void (*make)(KernelTable& t, KernelProbes& p, bool emulated);
};

void make_generic(KernelTable& t, KernelProbes& p, bool) {
  generic::fill(t);
  generic::fill_probes(p);
}

void make_avx2(KernelTable& t, KernelProbes& p, bool) {
  avx2::fill(t);
  avx2::fill_probes(p);
}

// avx512 and up: avx2's int8 / bf16 GEMMs unless replaced.
void make_avx512_level(KernelTable& t, KernelProbes& p, bool emulated, bool vnni, bool bf16) {
  avx2::fill(t);
  avx2::fill_probes(p);
  if (emulated) {
    avx512_emu::fill_fp32(t);
    if (vnni) avx512_emu::fill_vnni(t);
    if (bf16) avx512_emu::fill_bf16(t);
    avx512_emu::fill_probes(p, vnni, bf16);
  } else {
    avx512::fill_fp32(t);
    if (vnni) avx512::fill_vnni(t);
    if (bf16) avx512::fill_bf16(t);
    avx512::fill_probes(p, vnni, bf16);
  }
}

void make_avx512(KernelTable& t, KernelProbes& p, bool emulated) {
  make_avx512_level(t, p, emulated, false, false);
}
void make_avx512_vnni(KernelTable& t, KernelProbes& p, bool emulated) {
  make_avx512_level(t, p, emulated, true, false);
}
void make_avx512_bf16(KernelTable& t, KernelProbes& p, bool emulated) {
  make_avx512_level(t, p, emulated, true, true);
}
void make_amx(KernelTable& t, KernelProbes& p, bool emulated) {
  make_avx512_level(t, p, emulated, true, true);
  if (emulated) {
    amx_emu::fill(t);
    amx_emu::fill_probes(p);
  } else {
    amx::fill(t);
    amx::fill_probes(p);
  }
}

const Variant kVariants[] = {
    {"amx", &has_amx, true, &make_amx},
    {"avx512-bf16", &has_avx512_bf16, true, &make_avx512_bf16},
    {"avx512-vnni", &has_vnni, true, &make_avx512_vnni},
    {"avx512", &has_avx512, true, &make_avx512},
    {"avx2", &has_avx2, false, &make_avx2},
    {"generic", &always, false, &make_generic},
};
constexpr int kCount = static_cast<int>(sizeof(kVariants) / sizeof(kVariants[0]));

struct Built {
  KernelTable table;
  KernelProbes probes;
  std::string name;
};

// Built tables, [variant][emulated]; built once under the mutex, never freed.
const Built& built(int v, bool emulated) {
  static std::mutex mutex;
  static Built* tables[kCount][2] = {};
  std::lock_guard<std::mutex> lock(mutex);
  Built*& slot = tables[v][emulated ? 1 : 0];
  if (slot == nullptr) {
    auto* b = new Built;
    kVariants[v].make(b->table, b->probes, emulated);
    b->name = std::string(kVariants[v].name) + (emulated ? "-emu" : "");
    b->table.name = b->name.c_str();
    b->table.emulated = emulated;
    slot = b;
  }
  return *slot;
}

int find_variant(std::string_view name) {
  for (int v = 0; v < kCount; ++v) {
    if (name == kVariants[v].name) return v;
  }
  return -1;
}

std::string variant_list() {
  std::string s;
  for (int v = 0; v < kCount; ++v) {
    s += (v ? ", " : "") + std::string(kVariants[v].name);
  }
  return s;
}

}  // namespace

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

const std::vector<std::string>& kernel_variant_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Variant& v : kVariants) n.emplace_back(v.name);
    return n;
  }();
  return names;
}

bool cpu_supports(std::string_view name) {
  const int v = find_variant(name);
  return v >= 0 && kVariants[v].native();
}

bool can_emulate(std::string_view name) {
  const int v = find_variant(name);
  return v >= 0 && kVariants[v].emulable && has_avx2();
}

std::vector<const KernelTable*> available_kernel_tables() {
  std::vector<const KernelTable*> tables;
  for (int v = 0; v < kCount; ++v) {
    if (kVariants[v].native()) tables.push_back(&built(v, false).table);
  }
  return tables;
}

std::vector<const KernelTable*> every_kernel_variant() {
  std::vector<const KernelTable*> tables;
  for (int v = 0; v < kCount; ++v) {
    if (kVariants[v].native()) {
      tables.push_back(&built(v, false).table);
    } else if (can_emulate(kVariants[v].name)) {
      tables.push_back(&built(v, true).table);
    }
  }
  return tables;
}

const KernelTable& kernels_by_name(std::string_view name) {
  constexpr std::string_view kEmu = "-emu";
  const bool emulated = name.size() > kEmu.size() && name.substr(name.size() - kEmu.size()) == kEmu;
  const std::string_view base = emulated ? name.substr(0, name.size() - kEmu.size()) : name;
  const int v = find_variant(base);
  if (v < 0 || (emulated && !kVariants[v].emulable)) {
    throw Error(ErrorCode::kInvalidArgument,
                "LIGHTBERT_ISA: unknown kernel variant '" + std::string(name) + "' (expected " +
                    variant_list() + "; or avx512, avx512-vnni, avx512-bf16, amx + '-emu')");
  }
  if (emulated) {
    if (!can_emulate(base)) {
      throw Error(ErrorCode::kUnsupported, "LIGHTBERT_ISA: emulating '" + std::string(base) +
                                               "' needs AVX2, which this CPU lacks");
    }
    return built(v, true).table;
  }
  if (!kVariants[v].native()) {
    std::string hint;
    if (kVariants[v].emulable) {
      hint = " (LIGHTBERT_ISA=" + std::string(base) + "-emu runs it emulated: slow, for tests)";
    }
    throw Error(ErrorCode::kUnsupported,
                "LIGHTBERT_ISA: this CPU cannot run '" + std::string(name) + "'" + hint);
  }
  return built(v, false).table;
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

const KernelTable& generic_kernels() {
  static const KernelTable& table = built(kCount - 1, false).table;
  return table;
}

const KernelProbes& kernel_probes(const KernelTable& table) {
  static const KernelProbes kNone{};
  for (int v = 0; v < kCount; ++v) {
    for (bool emu : {false, true}) {
      if (emu && !kVariants[v].emulable) continue;
      if ((emu ? can_emulate(kVariants[v].name) : kVariants[v].native()) &&
          &built(v, emu).table == &table) {
        return built(v, emu).probes;
      }
    }
  }
  return kNone;
}

}  // namespace lightbert::kernels
