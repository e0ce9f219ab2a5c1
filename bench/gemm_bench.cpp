// bench/gemm_bench.cpp: the dense products of a BERT layer, timed on several GEMM backends.
// Contract: for every shape of bert-base (H=768) and all-MiniLM-L6-v2 (H=384): QKV [H->3H] +bias,
// attention output [H->H] +bias, FFN up [H->4H] +bias+GELU, FFN down [4H->H] +bias, at
// M = rows (real tokens) from --ms, it prints one line per shape: median milliseconds, GFLOP/s
// (2*M*N*K), % of --peak (GFLOP/s, the measured FMA peak) and the weight stream rate (GB/s).
// The weights rotate over enough copies to exceed the L3 (96 MB), as in a real forward pass
// where each layer's weights come from memory. One backend per process (their thread pools
// spin after work and would disturb each other): alternate processes to compare them.
//   --backend ours      lightbert's KernelTable sgemm via ops::linear (LIGHTBERT_ISA picks it)
//   --backend dnnl      oneDNN matmul, weights format_tag::any reordered once, bias + GELU
//                       post-op, one primitive per (shape, M)
//   --backend openblas  cblas_sgemm (NoTrans x Trans) on the plain [N, K] weights; bias and
//                       GELU are NOT applied (timed as pure GEMM, a bound in its favour)
//   --backend xsmm      libxsmm JIT kernels (64 columns x 32 rows x full K tiles) on W^T
//                       stored [K, N], OpenMP over tiles; no bias / GELU (same caveat)
// --clock cpu times with the calling thread's CPU clock instead of the wall clock (for tuning
// with --threads 1 on a shared machine: time the process was descheduled does not count).
// Built by -DLIGHTBERT_BUILD_BENCH=ON (target gemm_bench); see bench/README.md "GEMM choice".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <cblas.h>
#include <libxsmm.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "kernels/kernels.h"
#include "ops/linear.h"
#include "runtime/thread_pool.h"
#include "tensor/aligned_buffer.h"

extern "C" void openblas_set_num_threads(int);

namespace {

bool g_cpu_clock = false;

double now_seconds() {
  timespec ts;
  clock_gettime(g_cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Shape {
  const char* model;
  const char* layer;
  int64_t n, k;
  bool gelu;
};

std::vector<Shape> shapes_for(const std::string& models) {
  std::vector<Shape> out;
  for (int h : {768, 384}) {
    const char* name = h == 768 ? "base" : "minilm";
    if (models.find(name) == std::string::npos) continue;
    out.push_back({name, "qkv", 3 * h, h, false});
    out.push_back({name, "attn_out", h, h, false});
    out.push_back({name, "ffn_up", 4 * h, h, true});
    out.push_back({name, "ffn_down", h, 4 * h, false});
  }
  return out;
}

// One backend: prepare(weights copies) once per shape, then run(copy) per timed call.
struct Backend {
  virtual ~Backend() = default;
  virtual void prepare(const Shape& s, int64_t m, const std::vector<std::vector<float>>& w,
                       const std::vector<float>& bias, const float* a, float* c) = 0;
  virtual void run(size_t copy) = 0;
};

struct Ours : Backend {
  lightbert::runtime::ThreadPool pool;
  lightbert::ops::OpContext ctx;
  std::vector<lightbert::kernels::PackedWeights> packed;
  lightbert::tensor::ConstMatrixView x;
  lightbert::tensor::MatrixView y;
  bool gelu = false;
  explicit Ours(int threads) : pool(threads) {
    ctx.kernels = &lightbert::kernels::active_kernels();
    ctx.pool = &pool;
  }
  void prepare(const Shape& s, int64_t m, const std::vector<std::vector<float>>& w,
               const std::vector<float>& bias, const float* a, float* c) override {
    packed.clear();
    for (const auto& wi : w)
      packed.push_back(lightbert::ops::pack_linear(ctx, wi.data(), s.n, s.k, bias.data()));
    x = {a, m, s.k, s.k};
    y = {c, m, s.n, s.n};
    gelu = s.gelu;
  }
  void run(size_t copy) override {
    lightbert::ops::linear(ctx, x, packed[copy], y,
                           gelu ? lightbert::Activation::kGelu : lightbert::Activation::kNone);
  }
};

struct Dnnl : Backend {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::matmul prim;
  std::vector<dnnl::memory> weights;
  dnnl::memory src, bias_mem, dst;
  void prepare(const Shape& s, int64_t m, const std::vector<std::vector<float>>& w,
               const std::vector<float>& bias, const float* a, float* c) override {
    using md = dnnl::memory::desc;
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    md src_md({m, s.k}, dt::f32, tag::ab);
    md w_any({s.k, s.n}, dt::f32, tag::any);
    md b_md({1, s.n}, dt::f32, tag::ab);
    md dst_md({m, s.n}, dt::f32, tag::ab);
    dnnl::primitive_attr attr;
    if (s.gelu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, w_any, b_md, dst_md), attr, eng);
    static bool said = false;
    if (!said) std::fprintf(stderr, "dnnl impl: %s\n", pd.impl_info_str()), said = true;
    prim = dnnl::matmul(pd);
    weights.clear();
    for (const auto& wi : w) {
      // W [n, k] row-major is the logical [k, n] matrix with strides (1, k): tag ba.
      dnnl::memory user({{s.k, s.n}, dt::f32, tag::ba}, eng, const_cast<float*>(wi.data()));
      dnnl::memory packed(pd.weights_desc(), eng);
      dnnl::reorder(user, packed).execute(strm, user, packed);
      weights.push_back(packed);
    }
    strm.wait();
    src = dnnl::memory(src_md, eng, const_cast<float*>(a));
    bias_mem = dnnl::memory(b_md, eng, const_cast<float*>(bias.data()));
    dst = dnnl::memory(dst_md, eng, c);
  }
  void run(size_t copy) override {
    prim.execute(strm, {{DNNL_ARG_SRC, src},
                        {DNNL_ARG_WEIGHTS, weights[copy]},
                        {DNNL_ARG_BIAS, bias_mem},
                        {DNNL_ARG_DST, dst}});
    strm.wait();
  }
};

struct OpenBlas : Backend {
  const std::vector<std::vector<float>>* w = nullptr;
  const float* a = nullptr;
  float* c = nullptr;
  int64_t m = 0, n = 0, k = 0;
  void prepare(const Shape& s, int64_t m_, const std::vector<std::vector<float>>& w_,
               const std::vector<float>&, const float* a_, float* c_) override {
    w = &w_, a = a_, c = c_, m = m_, n = s.n, k = s.k;
  }
  void run(size_t copy) override {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, (*w)[copy].data(), k,
                0.0f, c, n);
  }
};

struct Xsmm : Backend {
  static constexpr int kNb = 64, kMb = 32;
  std::vector<std::vector<float>> wt;  // W^T [k, n] per copy
  libxsmm_smmfunction full = nullptr, edge = nullptr;
  const float* a = nullptr;
  float* c = nullptr;
  int64_t m = 0, n = 0, k = 0;
  libxsmm_smmfunction get(int64_t nb, int64_t mb) {
    const float alpha = 1.0f, beta = 0.0f;
    const libxsmm_blasint lda = n, ldb = k, ldc = n;
    return libxsmm_smmdispatch(nb, mb, k, &lda, &ldb, &ldc, &alpha, &beta, nullptr, nullptr);
  }
  void prepare(const Shape& s, int64_t m_, const std::vector<std::vector<float>>& w,
               const std::vector<float>&, const float* a_, float* c_) override {
    a = a_, c = c_, m = m_, n = s.n, k = s.k;
    wt.assign(w.size(), std::vector<float>(n * k));
    for (size_t i = 0; i < w.size(); ++i) {
      for (int64_t r = 0; r < n; ++r) {
        for (int64_t q = 0; q < k; ++q) wt[i][q * n + r] = w[i][r * k + q];
      }
    }
    full = get(kNb, std::min<int64_t>(kMb, m));
    edge = m % kMb ? get(kNb, m % kMb) : full;
    if (!full || !edge) std::fprintf(stderr, "libxsmm: no kernel\n"), std::exit(1);
  }
  void run(size_t copy) override {
    const int64_t tm = (m + kMb - 1) / kMb, tn = n / kNb;  // n is a multiple of 64 here
    const float* b = wt[copy].data();
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < tm * tn; ++t) {
      const int64_t i = t / tn, j = t % tn;
      const int64_t m0 = i * kMb;
      libxsmm_smmfunction f = m - m0 >= kMb ? full : edge;
      f(b + j * kNb, a + m0 * k, c + m0 * n + j * kNb);
    }
  }
};

std::vector<int64_t> parse_list(const char* s) {
  std::vector<int64_t> out;
  for (const char* p = s; *p;) {
    out.push_back(std::strtoll(p, const_cast<char**>(&p), 10));
    if (*p == ',') ++p;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string backend = "ours", models = "base,minilm", layers = "qkv,attn_out,ffn_up,ffn_down";
  int threads = 2;
  double peak = 0, min_seconds = 0.4;
  std::vector<int64_t> ms = {1, 4, 16, 64, 128, 512, 2048, 4096};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i];
    if (f == "--backend")
      backend = argv[i + 1];
    else if (f == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (f == "--models")
      models = argv[i + 1];
    else if (f == "--layers")
      layers = argv[i + 1];
    else if (f == "--ms")
      ms = parse_list(argv[i + 1]);
    else if (f == "--peak")
      peak = std::atof(argv[i + 1]);
    else if (f == "--seconds")
      min_seconds = std::atof(argv[i + 1]);
    else if (f == "--clock")
      g_cpu_clock = std::string(argv[i + 1]) == "cpu";
    else
      return std::fprintf(stderr, "unknown flag %s\n", f.c_str()), 2;
  }
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  std::unique_ptr<Backend> be;
  if (backend == "ours")
    be = std::make_unique<Ours>(threads);
  else if (backend == "dnnl")
    be = std::make_unique<Dnnl>();
  else if (backend == "openblas")
    be = std::make_unique<OpenBlas>();
  else if (backend == "xsmm")
    libxsmm_init(), be = std::make_unique<Xsmm>();
  else
    return std::fprintf(stderr, "unknown backend %s\n", backend.c_str()), 2;
  if (backend == "ours") backend += std::string("-") + lightbert::kernels::active_isa_name();

  std::printf("%-13s %2s %-6s %-8s %5s %5s %5s %9s %8s %6s %7s\n", "backend", "t", "model", "layer",
              "M", "N", "K", "ms", "GFLOP/s", "%peak", "W GB/s");
  for (const Shape& s : shapes_for(models)) {
    if (layers.find(s.layer) == std::string::npos) continue;
    const size_t wbytes = static_cast<size_t>(s.n * s.k) * sizeof(float);
    const size_t copies = std::max<size_t>(2, (96u << 20) / wbytes + 1);
    std::vector<std::vector<float>> w(copies, std::vector<float>(s.n * s.k));
    std::vector<float> bias(s.n);
    uint32_t seed = 12345;
    auto rnd = [&] { return (seed = seed * 1664525u + 1013904223u) / 4294967296.0f - 0.5f; };
    for (auto& wi : w)
      for (auto& v : wi) v = 0.05f * rnd();
    for (auto& v : bias) v = rnd();
    for (int64_t m : ms) {
      lightbert::tensor::AlignedBuffer abuf(m * s.k), cbuf(m * s.n);
      for (int64_t i = 0; i < m * s.k; ++i) abuf.data()[i] = rnd();
      be->prepare(s, m, w, bias, abuf.data(), cbuf.data());
      for (size_t i = 0; i < std::min<size_t>(copies, 3); ++i) be->run(i);
      std::vector<double> t;
      const double start = now_seconds();
      size_t copy = 0;
      while (t.size() < 5 || (now_seconds() - start < min_seconds && t.size() < 2000)) {
        const double t0 = now_seconds();
        be->run(copy);
        t.push_back(now_seconds() - t0);
        copy = (copy + 1) % copies;
      }
      std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
      const double sec = t[t.size() / 2];
      const double gflops = 2.0 * m * s.n * s.k / sec * 1e-9;
      std::printf("%-13s %2d %-6s %-8s %5lld %5lld %5lld %9.4f %8.1f %6.1f %7.1f\n",
                  backend.c_str(), threads, s.model, s.layer, static_cast<long long>(m),
                  static_cast<long long>(s.n), static_cast<long long>(s.k), sec * 1e3, gflops,
                  peak > 0 ? 100.0 * gflops / peak : 0.0, wbytes / sec * 1e-9);
      std::fflush(stdout);
    }
  }
  return 0;
}
