// formats/checkpoint.h: named tensors of a Hugging Face checkpoint (one or more safetensors or
// torch.save files), memory-mapped, validated, with the name variants of real checkpoints
// resolved.
// Contract: open_folder() reads the first of DIR/model.safetensors,
// DIR/model.safetensors.index.json and its shards, DIR/pytorch_model.bin,
// DIR/pytorch_model.bin.index.json and its shards. Every safetensors header is validated
// (length, JSON, dtype, shape x dtype size == byte range, ranges inside the file, no overlaps),
// every torch.save file is read without running pickle (formats/torch_checkpoint.h), and errors
// name the file and tensor. Lookups take the
// canonical Hugging Face BertModel name ("encoder.layer.0.attention.self.query.weight") and also
// find "bert."-prefixed names and the old LayerNorm.gamma/beta spellings. read_f32() converts
// F32/F16/BF16 to float and checks the shape, throwing an error that names the tensor.
// with_prefixes() gives a second view of the same opened files (nothing is mapped again; the
// files stay mapped while any view lives). release_pages() drops the pages read so far from
// the process's resident set (madvise MADV_DONTNEED on the read-only mappings): they stay in
// the page cache and are read back on the next access, so a checkpoint kept open for later use
// (a Model's heads) costs address space, not memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lightbert::formats {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

const char* dtype_name(DType dtype) noexcept;
size_t dtype_size(DType dtype) noexcept;

struct TensorInfo {
  std::string name;  // the name as stored in the file
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // inside the mapped file
  size_t nbytes = 0;
  std::string file;  // path of the file that holds it (for messages)

  int64_t numel() const;
};

class Checkpoint {
 public:
  static Checkpoint open_folder(const std::string& dir);
  // One safetensors or torch.save file (the format is told by its name and first bytes).
  static Checkpoint open_file(const std::string& path);
  // Tensors already in memory (a .lbt model file's head tensors, formats/model_file.h): their
  // data pointers must stay valid while `owner` lives; `source` names them in messages.
  static Checkpoint from_memory(std::string source, std::vector<TensorInfo> tensors,
                                std::shared_ptr<const void> owner);

  Checkpoint(Checkpoint&&) noexcept;
  Checkpoint& operator=(Checkpoint&&) noexcept;
  ~Checkpoint();

  // Prefixes tried, in order, before a canonical name (default {"", "bert."}).
  void set_prefixes(std::vector<std::string> prefixes);
  // This checkpoint's files, looked up with `prefixes` (the files are shared, not reopened).
  Checkpoint with_prefixes(std::vector<std::string> prefixes) const;
  // Drops the mapped pages from the resident set (a hint; the data stays valid and readable).
  void release_pages() const noexcept;

  const TensorInfo* find(std::string_view canonical_name) const;  // nullptr when absent
  const TensorInfo& get(std::string_view canonical_name) const;   // throws kNotFound
  bool has(std::string_view canonical_name) const { return find(canonical_name) != nullptr; }
  std::vector<float> read_f32(std::string_view canonical_name,
                              const std::vector<int64_t>& expected_shape) const;
  std::vector<std::string> names() const;  // stored names
  const std::string& source() const;       // the folder or file it was opened from

 private:
  struct Impl;
  explicit Checkpoint(std::unique_ptr<Impl> impl);
  static Checkpoint open_index(const std::string& dir, const std::string& index_path);
  std::shared_ptr<Impl> impl_;  // shared by with_prefixes() views
  std::vector<std::string> prefixes_{"", "bert."};
};

}  // namespace lightbert::formats
