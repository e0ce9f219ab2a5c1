// models/model_file_loader.h: an encoder (+ tokenizer files + task-head tensors) as one .lbt
// model file, written by `lightbert convert` and loaded by mmap (docs/model-file-format.md).
// Contract:
// - save_model_file writes the config.json text, the small files, the head tensors (stored F32
//   in an embedded safetensors image) and the packed encoder weights in the kernel table's
//   layout (each Linear with its layout tag, kernels::packed_layout).
// - load_model_file checks the manifest against the embedded config (every array's size,
//   every Linear's n / k / dtype / layout; a Linear's dtype is the encoder's or, in a bf16 /
//   int8 file, fp32: a Linear kept float by convert --keep-float) and throws lightbert::Error(kFormat) naming the
//   file and the entry at fault. Linears whose layout tag is not the table's are repacked at
//   load with ops::pack_linear (from the stored values: fp32 and bf16 exactly, int8
//   dequantised and quantised again), with a one-line note on stderr. Packed Linears borrow the
//   mapping (kernels::borrow_packed; the weights' owner keeps it alive, nothing is copied);
//   embeddings and LayerNorm parameters are copied into aligned buffers.
// - open_model_file_checkpoint exposes the head tensors (plus the tied
//   "embeddings.word_embeddings.weight") as a Checkpoint over the mapped file.
// - extract_model_file_files writes the embedded small files (config.json included) into a
//   folder, for the tokenizer and sentence-transformers readers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/model_file.h"
#include "kernels/kernels.h"
#include "lightbert/config.h"
#include "models/bert_weights.h"

namespace lightbert::models {

struct HeadTensor {
  std::string name;  // as stored in the checkpoint ("classifier.weight")
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// What a model folder contributes besides the encoder weights.
struct ModelFolderExtras {
  std::string config_json;                   // config.json as read
  std::map<std::string, std::string> files;  // small files by relative path (not config.json)
  std::vector<HeadTensor> head_tensors;      // every non-encoder float tensor
};

// Reads the tokenizer / sentence-transformers files and the head tensors of `dir`.
ModelFolderExtras read_model_folder_extras(const std::string& dir,
                                           const formats::Checkpoint& checkpoint);

// config.json text with num_hidden_layers and pruned_heads replaced by `config`'s.
std::string edited_config_json(const std::string& original, const ModelConfig& config);

void save_model_file(const std::string& path, const ModelConfig& config,
                     const ModelFolderExtras& extras, const BertWeights& weights,
                     const kernels::KernelTable& table);

// The whole pipeline for one folder: read, `edit` (may be empty: pruning, layer keeping), pack
// for `table` as `dtype`, save to `out`.
void convert_folder(const std::string& dir, const std::string& out,
                    const kernels::KernelTable& table, kernels::WeightDtype dtype,
                    const std::function<void(ModelConfig&, EncoderTensors&)>& edit = {});

struct LoadedModelFile {
  ModelConfig config;
  BertWeights weights;
};

// Each of these opens `path`; the overloads taking an opened file (ModelFile::open) share it,
// so one open serves the encoder, the head tensors and the small files (models/model_source.h).
LoadedModelFile load_model_file(const std::string& path, const kernels::KernelTable& table);
LoadedModelFile load_model_file(const std::shared_ptr<const formats::ModelFile>& file,
                                const kernels::KernelTable& table);

formats::Checkpoint open_model_file_checkpoint(const std::string& path);
formats::Checkpoint open_model_file_checkpoint(const std::shared_ptr<const formats::ModelFile>& file);

void extract_model_file_files(const std::string& path, const std::string& dir);
void extract_model_file_files(const formats::ModelFile& file, const std::string& dir);

}  // namespace lightbert::models
