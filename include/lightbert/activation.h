// lightbert/activation.h: the one activation vocabulary, from config.json's hidden_act to the
// GEMM epilogue (issue 14 item 7).
// Contract: the values are Hugging Face's ACT2FN names: kGelu "gelu" (exact, erf), kGeluNew
// "gelu_new" (the tanh approximation; also gelu_pytorch_tanh, gelu_fast, gelu_accurate), kRelu
// "relu", kTanh "tanh", kNone "linear" (identity). config.json's hidden_act gives kGelu,
// kGeluNew or kRelu (formats/config.cpp; others are rejected there); the task heads and the
// sentence-transformers Dense modules use kTanh and kNone too; every kernel table applies all
// five (kernels::KernelTable::activation and the fused GEMM store).
#pragma once

namespace lightbert {

enum class Activation { kNone, kGelu, kGeluNew, kRelu, kTanh };

}  // namespace lightbert
