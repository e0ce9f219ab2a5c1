// models/model_source.h: a model path (a Hugging Face folder or a .lbt model file) opened once,
// for everything a Model reads from it: the encoder's weights, the small files (tokenizer,
// sentence-transformers modules) and the task heads' tensors (issue 14 item 2).
// Contract: open(path) opens a .lbt file (formats::ModelFile::open), or a folder's config.json
// and its weights (formats::Checkpoint::open_folder: model.safetensors, pytorch_model.bin or
// their shards), and throws what those throw. The weights are never opened again:
// load_encoder() reads the encoder from the source, extract_files() writes a .lbt's embedded
// small files, head_checkpoint() gives the heads' view of the same mapping (exact stored names,
// no "bert." fallback). (A folder's tokenizer and sentence-transformers files are small and
// read by their own readers.) The files stay mapped while the source lives, so deleting them or
// replacing them by rename (as `lightbert convert` and most tools write) does not affect it;
// rewriting a file in place (truncate + write) while a Model still has heads to build is what
// runtime/mapped_file.h warns of for every mmap reader (SIGBUS on a truncated page), as for a
// .lbt file's weights. release_pages() gives a folder's resident weight pages back once the
// encoder holds its packed copy (a .lbt file's packed Linears borrow its mapping, so its pages
// stay).
#pragma once

#include <memory>
#include <string>

#include "formats/checkpoint.h"
#include "formats/model_file.h"
#include "kernels/kernels.h"
#include "lightbert/config.h"
#include "models/bert.h"

namespace lightbert::models {

class ModelSource {
 public:
  static ModelSource open(const std::string& path);

  const std::string& path() const { return path_; }
  bool is_model_file() const { return file_ != nullptr; }

  // The encoder (config.json and the encoder's weights). A folder's weights are read and packed
  // as `dtype` for `table`; a .lbt file's are borrowed from its mapping in their stored dtype
  // (`dtype` is not used: the caller compares it with the model's dtype()).
  std::unique_ptr<BertModel> load_encoder(const kernels::KernelTable& table, int threads,
                                          kernels::WeightDtype dtype) const;

  // A .lbt file's embedded small files written into `dir`; nothing for a folder.
  void extract_files(const std::string& dir) const;

  // The task heads' tensors (heads/head_common.h).
  formats::Checkpoint head_checkpoint() const;

  void release_pages() const noexcept;

 private:
  std::string path_;
  std::shared_ptr<const formats::ModelFile> file_;        // a .lbt file, else null
  std::shared_ptr<const formats::Checkpoint> checkpoint_;  // a folder's weights, else null
  ModelConfig config_;                                     // a folder's config.json
};

}  // namespace lightbert::models
