// ops/activation.h: element-wise activations on a matrix, and the config -> kernel mapping.
// Contract: y = act(y) in place, rows in parallel; kernel_activation maps the config's
// hidden_act (gelu -> exact erf GELU, gelu_new -> tanh GELU, relu) to the kernel enum.
#pragma once

#include "kernels/kernels.h"
#include "lightbert/config.h"
#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::ops {

kernels::Act kernel_activation(Activation act);

void apply_activation(const OpContext& ctx, tensor::MatrixView y, kernels::Act act);

}  // namespace lightbert::ops
