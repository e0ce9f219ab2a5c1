// heads/head_common.h: what every task head shares: architecture checks, head tensors, softmax.
// Contract: require_task() throws kUnsupported naming the task and the folder's architectures
// when config.json lists architectures and none is a model for that task. read_head_tensor()
// reads a top-level head tensor (no "bert." prefix) as float and throws kNotFound naming the
// tensor and the checkpoint file (checkpoint_files) when it is absent, kFormat on a wrong shape.
// Linear is y = x W^T + b accumulated in double (head work is a few rows); activate() is the
// heads' one scalar activation (in double: exact erf GELU, tanh GELU, ReLU, tanh, identity; the
// same kernels::Act the encoder's kernels take). label_name() follows config id2label with
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
#include "lightbert/config.h"

namespace lightbert::heads {

// `task`: e.g. "token classification"; `suffixes`: architecture names that carry the head
// ("ForTokenClassification"); an architecture matches when it ends with one of them.
void require_task(const std::string& dir, const ModelConfig& config, const std::string& task,
                  const std::vector<std::string>& suffixes);

// The checkpoint of a model folder or of a .lbt model file (its head tensors and the tied word
// embeddings), with the default name prefixes.
formats::Checkpoint open_model_checkpoint(const std::string& path);

// The folder's (or model file's) checkpoint with head lookups restricted to top-level names.
formats::Checkpoint open_head_checkpoint(const std::string& dir);

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
  std::vector<float> weight;                   // [out, in]
  std::vector<float> bias;                     // [out]
  void apply(const float* x, float* y) const;  // one row
};

// Reads PREFIX.weight [out, in] and PREFIX.bias [out]; out = -1 takes the stored row count.
Linear read_linear(const formats::Checkpoint& ck, const std::string& prefix, int out, int in,
                   const std::string& task, const ModelConfig& config);

double activate(kernels::Act act, double v);

const formats::FamilyDescriptor& head_family(const std::string& dir, const ModelConfig& config,
                                             const std::string& task);

// A row's head activation as a kernel activation (kConfig: config.hidden_act).
kernels::Act head_activation(formats::HeadActivation act, const ModelConfig& config);

// Numerically stable softmax / logistic of n floats (double internally).
void softmax(const float* x, size_t n, float* y);
float sigmoid(float x);

std::string label_name(const ModelConfig& config, int index);

// Byte offset of every code point of valid UTF-8 `s`, plus s.size() at the end (the heads'
// spans are in code points, as Python slices text).
std::vector<size_t> code_point_offsets(const std::string& s);

}  // namespace lightbert::heads
