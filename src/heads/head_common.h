// heads/head_common.h: what every task head shares: architecture checks, head tensors, softmax.
// Contract: require_task() throws kUnsupported naming the task and the folder's architectures
// when config.json lists architectures and none is a model for that task. read_head_tensor()
// reads a top-level head tensor (no "bert." prefix) as float and throws kNotFound naming the
// tensor and the checkpoint file (checkpoint_files) when it is absent, kFormat on a wrong shape.
// Linear is y = act(x W^T + b) over all rows of a call at once: its weights are packed at load
// for the kernel table of the model the head runs on (every head's load() takes it) and apply()
// runs ops::linear on the caller's OpContext (the model's kernel table and thread pool;
// api/head_context.h), with the activation (lightbert::Activation) fused into the GEMM's store,
// in float as the encoder's layers. No head opens a file: each load() reads the checkpoint it is
// given (the Model's one open, models/model_source.h). label_name() follows config id2label with
// Hugging Face's LABEL_i default. head_family() is config.model_type's row of the family table
// (formats/model_family.h), where every head finds its tensor names; a model_type without a row
// throws kUnsupported naming the folder, the task, the model_type and the supported ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/model_family.h"
#include "kernels/kernels.h"
#include "kernels/packed_weights.h"
#include "lightbert/config.h"
#include "ops/op_context.h"
#include "tensor/aligned_buffer.h"

namespace lightbert::heads {

// `task`: e.g. "token classification"; `suffixes`: architecture names that carry the head
// ("ForTokenClassification"); an architecture matches when it ends with one of them.
void require_task(const std::string& dir, const ModelConfig& config, const std::string& task,
                  const std::vector<std::string>& suffixes);

// The one file that holds the checkpoint's tensors (a folder's model.safetensors), else its
// source (a sharded folder, a .lbt model file): what error messages name.
std::string checkpoint_files(const formats::Checkpoint& ck);

// Reads `name` (top level); `shape` entries of -1 take the stored size (the result's shape is
// written back). `task` and `architectures` go into the error message.
std::vector<float> read_head_tensor(const formats::Checkpoint& ck, const std::string& name,
                                    std::vector<int64_t>& shape, const std::string& task,
                                    const ModelConfig& config);

struct Linear {
  int out = 0;
  int in = 0;
  kernels::PackedWeights packed;  // W [out, in] and b [out], packed for the fp32 GEMM
  // y [rows, out] = act(x [rows, in] W^T + b); shapes must agree (else Error kInternal).
  void apply(const ops::OpContext& ctx, tensor::ConstMatrixView x, tensor::MatrixView y,
             Activation act = Activation::kNone) const;
};

// Reads PREFIX.weight [out, in] and PREFIX.bias [out]; out = -1 takes the stored row count.
// Packs them for `table` (the kernel table of the model the head runs on).
Linear read_linear(const formats::Checkpoint& ck, const std::string& prefix, int out, int in,
                   const std::string& task, const ModelConfig& config,
                   const kernels::KernelTable& table);

const formats::FamilyDescriptor& head_family(const std::string& dir, const ModelConfig& config,
                                             const std::string& task);

// A row's head activation (formats::kFromConfig: config.hidden_act).
Activation head_activation(formats::HeadActivation act, const ModelConfig& config);

// Numerically stable softmax / logistic of n floats (double internally).
void softmax(const float* x, size_t n, float* y);
float sigmoid(float x);

std::string label_name(const ModelConfig& config, int index);

// Byte offset of every code point of valid UTF-8 `s`, plus s.size() at the end (the heads'
// spans are in code points, as Python slices text).
std::vector<size_t> code_point_offsets(const std::string& s);

}  // namespace lightbert::heads
