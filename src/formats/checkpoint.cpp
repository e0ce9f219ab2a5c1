// formats/checkpoint.cpp: Checkpoint over one or more safetensors or torch.save files (see
// checkpoint.h).
// Contract: all files are mapped and validated when opened; afterwards lookups are read-only
// and safe to call from several threads (set_prefixes() is not: call it before sharing). Sharded
// folders are checked against their index: every shard listed exists and holds the tensors the
// index assigns to it, and no tensor is stored twice. A file is read as torch.save's format
// (formats/torch_checkpoint.h) when its name ends in .bin, .pt or .pth, or does not end in
// .safetensors and starts as torch.save's files do; else as safetensors.
#include "formats/checkpoint.h"

#include <sys/stat.h>

#include <map>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "formats/dtype.h"
#include "formats/json_limits.h"
#include "formats/json_text.h"
#include "formats/safetensors.h"
#include "formats/torch_checkpoint.h"
#include "lightbert/error.h"
#include "runtime/mapped_file.h"

namespace lightbert::formats {
namespace {

using nlohmann::json;

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A relative path without "." / ".." / empty components: a file inside the folder.
bool is_plain_relative_path(const std::string& name) {
  if (name.empty() || name[0] == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string_view part(name.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A mapped weights file and its tensors (pointing into `file`).
struct WeightsFile {
  runtime::MappedFile file;
  std::vector<TensorInfo> tensors;
};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

WeightsFile open_weights_file(const std::string& path) {
  if (ends_with(path, ".safetensors")) {
    SafetensorsFile st = open_safetensors(path);
    return WeightsFile{std::move(st.file), std::move(st.content.tensors)};
  }
  WeightsFile f{runtime::MappedFile(path), {}};
  if (looks_like_torch_checkpoint(f.file.data(), f.file.size()) || ends_with(path, ".bin") ||
      ends_with(path, ".pt") || ends_with(path, ".pth")) {
    f.tensors = parse_torch_checkpoint(f.file.data(), f.file.size(), path);
  } else {
    f.tensors = parse_safetensors(f.file.data(), f.file.size(), path).tensors;
  }
  return f;
}

}  // namespace

struct Checkpoint::Impl {
  std::string source;
  std::vector<WeightsFile> files;
  std::unordered_map<std::string, const TensorInfo*> by_name;
  std::vector<TensorInfo> memory_tensors;  // from_memory()
  std::shared_ptr<const void> owner;       // keeps memory_tensors' bytes alive

  // Indexes every tensor of files.back(); a name stored twice is an error.
  void index_last_file() {
    for (const TensorInfo& t : files.back().tensors) {
      auto [it, inserted] = by_name.emplace(t.name, &t);
      if (!inserted) {
        throw Error(ErrorCode::kFormat, source + ": tensor " + quote_name(t.name) +
                                            " is stored in both " + it->second->file + " and " +
                                            t.file);
      }
    }
  }

  const TensorInfo* lookup(const std::string& stored) const {
    auto it = by_name.find(stored);
    return it == by_name.end() ? nullptr : it->second;
  }
};

Checkpoint::Checkpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;
Checkpoint::~Checkpoint() = default;

Checkpoint Checkpoint::open_file(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->source = path;
  impl->files.push_back(open_weights_file(path));
  impl->index_last_file();
  return Checkpoint(std::move(impl));
}

Checkpoint Checkpoint::from_memory(std::string source, std::vector<TensorInfo> tensors,
                                   std::shared_ptr<const void> owner) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(source);
  impl->memory_tensors = std::move(tensors);
  impl->owner = std::move(owner);
  for (const TensorInfo& t : impl->memory_tensors) {
    if (!impl->by_name.emplace(t.name, &t).second) {
      throw Error(ErrorCode::kFormat,
                  impl->source + ": tensor " + quote_name(t.name) + " is stored twice");
    }
  }
  return Checkpoint(std::move(impl));
}

Checkpoint Checkpoint::open_folder(const std::string& dir) {
  if (!is_dir(dir)) throw Error(ErrorCode::kNotFound, dir + ": not a folder");
  // Transformers' order of preference: safetensors first, then torch.save files.
  for (const char* weights : {"model.safetensors", "pytorch_model.bin"}) {
    const std::string single = dir + "/" + weights;
    if (is_file(single)) {
      Checkpoint c = open_file(single);
      c.impl_->source = dir;
      return c;
    }
    const std::string index_path = single + ".index.json";
    if (is_file(index_path)) return open_index(dir, index_path);
  }
  for (const char* other : {"tf_model.h5", "flax_model.msgpack", "model.ckpt.index"}) {
    if (is_file(dir + "/" + other)) {
      throw Error(ErrorCode::kUnsupported,
                  dir + ": found " + other +
                      " but lightbert reads only model.safetensors and pytorch_model.bin (or "
                      "their .index.json shards); convert it with transformers: "
                      "AutoModel.from_pretrained(DIR, from_tf=True).save_pretrained(DIR)");
    }
  }
  throw Error(ErrorCode::kNotFound, dir +
                                        ": no model.safetensors, pytorch_model.bin or their "
                                        ".index.json in this folder");
}

Checkpoint Checkpoint::open_index(const std::string& dir, const std::string& index_path) {
  runtime::MappedFile index_file(index_path);
  check_json_depth(index_file.data(), index_file.size(), index_path);
  json index = json::parse(index_file.data(), index_file.data() + index_file.size(), nullptr,
                           /*allow_exceptions=*/false);
  if (index.is_discarded()) {
    throw Error(ErrorCode::kFormat, index_path + ": not valid UTF-8 JSON");
  }
  if (!index.is_object()) {
    throw Error(ErrorCode::kFormat, index_path + ": must be a JSON object, got " + brief(index));
  }
  auto map_it = index.find("weight_map");
  if (map_it == index.end()) {
    throw Error(ErrorCode::kFormat, index_path + ": missing field 'weight_map'");
  }
  if (!map_it->is_object()) {
    throw Error(ErrorCode::kFormat,
                index_path + ": field 'weight_map' must be an object, got " + brief(*map_it));
  }
  // Shard file name -> tensors the index assigns to it.
  std::map<std::string, std::vector<std::string>> shards;
  for (const auto& [tensor, shard] : map_it->items()) {
    if (!shard.is_string()) {
      throw Error(ErrorCode::kFormat, index_path + ": weight_map entry " + quote_name(tensor) +
                                          " must be a file name, got " + brief(shard));
    }
    const std::string& name = shard.get_ref<const std::string&>();
    if (!is_plain_relative_path(name)) {
      throw Error(ErrorCode::kFormat, index_path + ": weight_map entry " + quote_name(tensor) +
                                          " names shard " + quote_name(name) +
                                          ", which is not a file inside the folder");
    }
    shards[name].push_back(tensor);
  }
  if (shards.empty()) throw Error(ErrorCode::kFormat, index_path + ": 'weight_map' is empty");

  auto impl = std::make_unique<Impl>();
  impl->source = dir;
  impl->files.reserve(shards.size());
  for (const auto& [shard, tensors] : shards) {
    const std::string shard_path = dir + "/" + shard;
    if (!is_file(shard_path)) {
      throw Error(ErrorCode::kNotFound, index_path + ": shard " + quote_name(shard) +
                                            " (listed for " + quote_name(tensors.front()) +
                                            ") does not exist");
    }
    impl->files.push_back(open_weights_file(shard_path));
    impl->index_last_file();
    for (const std::string& tensor : tensors) {
      const TensorInfo* t = impl->lookup(tensor);
      if (t == nullptr || t->file != shard_path) {
        throw Error(ErrorCode::kFormat, index_path + ": tensor " + quote_name(tensor) +
                                            " is listed in shard " + quote_name(shard) +
                                            " but that file does not contain it");
      }
    }
  }
  return Checkpoint(std::move(impl));
}

void Checkpoint::set_prefixes(std::vector<std::string> prefixes) {
  prefixes_ = std::move(prefixes);
}

Checkpoint Checkpoint::with_prefixes(std::vector<std::string> prefixes) const {
  Checkpoint view(nullptr);
  view.impl_ = impl_;
  view.prefixes_ = std::move(prefixes);
  return view;
}

void Checkpoint::release_pages() const noexcept {
  for (const WeightsFile& f : impl_->files) f.file.release_pages();
}

const TensorInfo* Checkpoint::find(std::string_view canonical_name) const {
  static constexpr std::string_view kWeight = "LayerNorm.weight";
  static constexpr std::string_view kBias = "LayerNorm.bias";
  const std::string name(canonical_name);
  // The old TensorFlow-era spelling of LayerNorm parameters, if this name has one.
  std::string old_name;
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(kWeight)) {
    old_name = name.substr(0, name.size() - kWeight.size()) + "LayerNorm.gamma";
  } else if (ends_with(kBias)) {
    old_name = name.substr(0, name.size() - kBias.size()) + "LayerNorm.beta";
  }
  for (const std::string& prefix : prefixes_) {
    if (const TensorInfo* t = impl_->lookup(prefix + name)) return t;
    if (!old_name.empty()) {
      if (const TensorInfo* t = impl_->lookup(prefix + old_name)) return t;
    }
  }
  return nullptr;
}

const TensorInfo& Checkpoint::get(std::string_view canonical_name) const {
  if (const TensorInfo* t = find(canonical_name)) return *t;
  std::string tried;
  for (const std::string& prefix : prefixes_) {
    tried += (tried.empty() ? "" : ", ") + quote_name(prefix + std::string(canonical_name));
  }
  throw Error(ErrorCode::kNotFound, impl_->source + ": no tensor " + quote_name(canonical_name) +
                                        " (tried " + tried + ")");
}

std::vector<float> Checkpoint::read_f32(std::string_view canonical_name,
                                        const std::vector<int64_t>& expected_shape) const {
  const TensorInfo& t = get(canonical_name);
  if (t.shape != expected_shape) {
    throw Error(ErrorCode::kFormat, t.file + ": tensor " + quote_name(t.name) + " has shape " +
                                        shape_text(t.shape) + ", expected " +
                                        shape_text(expected_shape));
  }
  if (t.dtype != DType::kF32 && t.dtype != DType::kF16 && t.dtype != DType::kBF16) {
    throw Error(ErrorCode::kUnsupported, t.file + ": tensor " + quote_name(t.name) + " has dtype " +
                                             dtype_name(t.dtype) +
                                             "; only F32, F16 and BF16 can be read as float");
  }
  std::vector<float> out(static_cast<size_t>(t.numel()));
  convert_to_f32(t.dtype, t.data, out.size(), out.data());
  return out;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const WeightsFile& f : impl_->files) {
    for (const TensorInfo& t : f.tensors) out.push_back(t.name);
  }
  for (const TensorInfo& t : impl_->memory_tensors) out.push_back(t.name);
  return out;
}

const std::string& Checkpoint::source() const {
  return impl_->source;
}

}  // namespace lightbert::formats
