// api/dense_stack.cpp: the packed sentence-transformers Dense modules (see dense_stack.h).
#include "api/dense_stack.h"

#include <algorithm>

#include "ops/linear.h"

namespace lightbert::detail {

DenseStack::DenseStack(const std::vector<DenseModule>& modules,
                       const kernels::KernelTable& kernels) {
  ctx_.kernels = &kernels;
  ctx_.pool = &pool_;
  for (const DenseModule& d : modules) {
    layers_.push_back({ops::pack_linear(ctx_, d.weight.data(), d.out_features, d.in_features,
                                        d.bias.empty() ? nullptr : d.bias.data()),
                       d.activation});
    widest_ = std::max(widest_, static_cast<size_t>(d.out_features));
  }
}

void DenseStack::apply(const float* x, float* dst) const {
  std::vector<float> a(widest_), b(widest_);
  const float* in = x;
  for (size_t k = 0; k < layers_.size(); ++k) {
    const kernels::PackedWeights& w = layers_[k].w;
    float* out = k + 1 == layers_.size() ? dst : (k % 2 == 0 ? a.data() : b.data());
    ops::linear(ctx_, tensor::ConstMatrixView{in, 1, w.k, w.k}, w,
                tensor::MatrixView{out, 1, w.n, w.n}, layers_[k].act);
    in = out;
  }
}

}  // namespace lightbert::detail
