// ops/activation.h: element-wise activations on a matrix.
// Contract: y = act(y) in place, rows in parallel, with the kernel table's activation (the same
// lightbert::Activation that config.json's hidden_act gives and the GEMM store fuses).
#pragma once

#include "kernels/kernels.h"
#include "lightbert/activation.h"
#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::ops {

void apply_activation(const OpContext& ctx, tensor::MatrixView y, Activation act);

}  // namespace lightbert::ops
