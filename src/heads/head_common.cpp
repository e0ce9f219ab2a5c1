// heads/head_common.cpp: see head_common.h.
#include "heads/head_common.h"

#include <algorithm>
#include <cmath>

#include "lightbert/error.h"
#include "ops/activation.h"
#include "ops/linear.h"

namespace lightbert::heads {

namespace {

std::string architectures_text(const ModelConfig& config) {
  if (config.architectures.empty()) return "none listed";
  std::string s;
  for (const std::string& a : config.architectures) s += (s.empty() ? "" : ", ") + a;
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void require_task(const std::string& dir, const ModelConfig& config, const std::string& task,
                  const std::vector<std::string>& suffixes) {
  if (config.architectures.empty()) return;  // decided by the tensors present
  for (const std::string& a : config.architectures) {
    for (const std::string& s : suffixes) {
      if (ends_with(a, s)) return;
    }
  }
  std::string want;
  for (const std::string& s : suffixes) want += (want.empty() ? "*" : " or *") + s;
  throw Error(ErrorCode::kUnsupported, dir + ": " + task + " needs a " + want +
                                           " model; config.json 'architectures' is [" +
                                           architectures_text(config) + "]");
}

std::string checkpoint_files(const formats::Checkpoint& ck) {
  std::string file;
  for (const std::string& n : ck.names()) {
    const formats::TensorInfo* t = ck.find(n);
    if (t == nullptr || t->file.empty()) return ck.source();
    if (file.empty()) file = t->file;
    if (t->file != file) return ck.source();  // sharded: the folder
  }
  return file.empty() ? ck.source() : file;
}

std::vector<float> read_head_tensor(const formats::Checkpoint& ck, const std::string& name,
                                    std::vector<int64_t>& shape, const std::string& task,
                                    const ModelConfig& config) {
  const formats::TensorInfo* t = ck.find(name);
  if (t == nullptr) {
    throw Error(ErrorCode::kNotFound, checkpoint_files(ck) + ": the " + task +
                                          " head needs tensor '" + name +
                                          "', absent from the checkpoint (architectures [" +
                                          architectures_text(config) + "])");
  }
  if (t->shape.size() == shape.size()) {
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] < 0) shape[i] = t->shape[i];
    }
  }
  return ck.read_f32(name, shape);
}

void Linear::apply(const ops::OpContext& ctx, tensor::ConstMatrixView x, tensor::MatrixView y,
                   Activation act) const {
  ops::linear(ctx, x, packed, y, act);
}

Linear read_linear(const formats::Checkpoint& ck, const std::string& prefix, int out, int in,
                   const std::string& task, const ModelConfig& config,
                   const kernels::KernelTable& table) {
  Linear l;
  std::vector<int64_t> ws{out, in};
  const std::vector<float> weight = read_head_tensor(ck, prefix + ".weight", ws, task, config);
  if (ws[0] < 1 || ws[0] > (1 << 24)) {
    throw Error(ErrorCode::kFormat, ck.source() + ": tensor '" + prefix + ".weight' has " +
                                        std::to_string(ws[0]) + " rows");
  }
  std::vector<int64_t> bs{ws[0]};
  const std::vector<float> bias = read_head_tensor(ck, prefix + ".bias", bs, task, config);
  l.out = static_cast<int>(ws[0]);
  l.in = in;
  const ops::OpContext pack_ctx{&table, nullptr};  // packing reads only the kernel table
  l.packed = ops::pack_linear(pack_ctx, weight.data(), l.out, l.in, bias.data());
  return l;
}

void softmax(const float* x, size_t n, float* y) {
  if (n == 0) return;
  const float m = *std::max_element(x, x + n);
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - m);
  for (size_t i = 0; i < n; ++i)
    y[i] = static_cast<float>(std::exp(static_cast<double>(x[i]) - m) / sum);
}

std::vector<size_t> code_point_offsets(const std::string& s) {
  std::vector<size_t> pos;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) pos.push_back(i);
  }
  pos.push_back(s.size());
  return pos;
}

const formats::FamilyDescriptor& head_family(const std::string& dir, const ModelConfig& config,
                                             const std::string& task) {
  if (const formats::FamilyDescriptor* f = formats::find_family(config.model_type)) return *f;
  throw Error(ErrorCode::kUnsupported,
              dir + ": " + task + " has no head for model_type '" + config.model_type +
                  "' (supported: " + formats::supported_model_types() + ")");
}

Activation head_activation(formats::HeadActivation act, const ModelConfig& config) {
  return act.value_or(config.hidden_act);
}

float sigmoid(float x) {
  return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
}

std::string label_name(const ModelConfig& config, int index) {
  auto it = config.id2label.find(index);
  return it != config.id2label.end() ? it->second : "LABEL_" + std::to_string(index);
}

}  // namespace lightbert::heads
