// models/model_file_loader.cpp: load_model_file, the head-tensor Checkpoint and the embedded
// small files of a .lbt model file (see model_file_loader.h, docs/model-file-format.md).
#include "models/model_file_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "formats/json_text.h"
#include "formats/model_family.h"
#include "formats/model_file.h"
#include "formats/safetensors.h"
#include "lightbert/error.h"
#include "ops/linear.h"

namespace lightbert::models {
namespace {

using formats::ModelFile;
using nlohmann::json;

class ManifestReader {
 public:
  ManifestReader(std::shared_ptr<const ModelFile> file, const kernels::KernelTable& table)
      : f_(*file), owner_(file), table_(table) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::kFormat, f_.path() + ": " + what);
  }

  const json& field(const json& obj, const std::string& key, const std::string& where) const {
    if (!obj.is_object() || !obj.contains(key))
      fail("manifest field '" + where + key + "' is missing");
    return obj[key];
  }

  int64_t integer(const json& obj, const std::string& key, const std::string& where) const {
    const json& v = field(obj, key, where);
    if (!v.is_number_integer())
      fail("manifest field '" + where + key + "' must be an integer, got " + formats::brief(v));
    return v.get<int64_t>();
  }

  // `count` floats (0 allowed when `optional`) copied out of the blob `ref`.
  tensor::AlignedBuffer floats(const json& ref, const std::string& what, int64_t count,
                               bool optional = false) const {
    uint64_t size = 0;
    const uint8_t* p = f_.blob(ref, what, &size);
    if (optional && size == 0) return {};
    if (size != static_cast<uint64_t>(count) * sizeof(float)) {
      fail("manifest entry '" + what + "' holds " + std::to_string(size) + " bytes, expected " +
           std::to_string(count * 4) + " (" + std::to_string(count) + " floats)");
    }
    tensor::AlignedBuffer b;
    if (count == 0) return b;
    float* dst = b.reserve(static_cast<size_t>(count));
    // Large tables (word embeddings) are read with pread: cheaper than faulting in the mapping.
    if (size >= (1u << 20) && read_at(p - file_base(), dst, size)) return b;
    std::memcpy(dst, p, size);
    return b;
  }

  // int8 rows [rows, cols] and their float scales, borrowed from the mapping (not copied).
  quant::QuantizedRows int8_rows(const json& codes_ref, const json& scales_ref,
                                 const std::string& what, int64_t rows, int64_t cols) const {
    uint64_t code_bytes = 0, scale_bytes = 0;
    const uint8_t* codes = f_.blob(codes_ref, what + "_i8", &code_bytes);
    const uint8_t* scales = f_.blob(scales_ref, what + "_scales", &scale_bytes);
    if (code_bytes != static_cast<uint64_t>(rows * cols) ||
        scale_bytes != static_cast<uint64_t>(rows) * sizeof(float)) {
      fail("manifest entries '" + what + "_i8' / '_scales' hold " + std::to_string(code_bytes) +
           " / " + std::to_string(scale_bytes) + " bytes, expected " + std::to_string(rows * cols) +
           " / " + std::to_string(rows * 4));
    }
    if (reinterpret_cast<uintptr_t>(scales) % alignof(float) != 0)
      fail("manifest entry '" + what + "_scales' is not 4-byte aligned");
    quant::QuantizedRows q;
    q.rows = rows;
    q.cols = cols;
    q.codes = reinterpret_cast<const int8_t*>(codes);
    q.scales = reinterpret_cast<const float*>(scales);
    q.owner = owner_;
    return q;
  }

  // The mapping's first byte (offsets for read_at).
  const uint8_t* file_base() const { return f_.data_region() - f_.data_offset(); }

  // pread of `size` bytes at `offset` of the file into dst; false on any failure.
  bool read_at(ptrdiff_t offset, void* dst, uint64_t size) const {
    if (fd_ < 0) fd_ = ::open(f_.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return false;
    auto* out = static_cast<uint8_t*>(dst);
    while (size > 0) {
      const ssize_t n = ::pread(fd_, out, static_cast<size_t>(std::min<uint64_t>(size, 1u << 30)),
                                static_cast<off_t>(offset));
      if (n <= 0) return false;
      out += n;
      offset += n;
      size -= static_cast<uint64_t>(n);
    }
    return true;
  }

  kernels::PackedWeights linear(const json& j, const std::string& what, int64_t n, int64_t k,
                                kernels::WeightDtype dtype) {
    const std::string where = what + ".";
    kernels::PackedHeader hdr;
    hdr.dtype = dtype;
    hdr.n = integer(j, "n", where);
    hdr.k = integer(j, "k", where);
    if (hdr.n != n || hdr.k != k) {
      fail("manifest entry '" + what + "' is [" + std::to_string(hdr.n) + ", " +
           std::to_string(hdr.k) + "], the config implies [" + std::to_string(n) + ", " +
           std::to_string(k) + "]");
    }
    // Each Linear is the encoder's dtype, or fp32 (a float master kept by --keep-float) in a
    // bf16 / int8 encoder; nothing else is mixed.
    const json& dt = field(j, "dtype", where);
    const char* f32 = kernels::weight_dtype_name(kernels::WeightDtype::kF32);
    if (dt.is_string() && dt.get<std::string>() == f32) {
      hdr.dtype = kernels::WeightDtype::kF32;
    } else if (!dt.is_string() || dt.get<std::string>() != kernels::weight_dtype_name(dtype)) {
      fail("manifest entry '" + what + "' has dtype " + formats::brief(dt) + ", the encoder's is " +
           kernels::weight_dtype_name(dtype) + " (fp32 is the only other dtype allowed)");
    }
    const int64_t nr = integer(j, "nr", where), kgroup = integer(j, "kgroup", where);
    if (nr < 1 || nr > 4096 || kgroup < 1 || kgroup > 64) {
      fail("manifest entry '" + what + "' has panel width " + std::to_string(nr) + ", kgroup " +
           std::to_string(kgroup));
    }
    hdr.nr = static_cast<int>(nr);
    hdr.kgroup = static_cast<int>(kgroup);
    const json& layout = field(j, "layout", where);
    if (!layout.is_string()) fail("manifest field '" + where + "layout' must be a string");
    hdr.layout = layout.get<std::string>();
    const json& arrays = field(j, "arrays", where);
    if (!arrays.is_object()) fail("manifest field '" + where + "arrays' must be an object");
    auto lookup = [&](const char* name) -> kernels::ArraySpan {
      if (!arrays.contains(name)) return {};
      uint64_t size = 0;
      const uint8_t* p = f_.blob(arrays[name], where + "arrays." + name, &size);
      return {p, static_cast<size_t>(size)};
    };
    kernels::PackedWeights w = kernels::borrow_packed(hdr, lookup, owner_, f_.path() + ": " + what);
    const std::string want = kernels::packed_layout(table_, hdr.dtype);
    if (w.layout == want) return w;
    note_repack(w.layout, want);
    return repack(w);
  }

 private:
  void note_repack(const std::string& have, const std::string& want) {
    if (noted_) return;
    noted_ = true;
    std::fprintf(stderr,
                 "lightbert: %s was packed as %s, this CPU's kernels (%s) read %s: repacking at "
                 "load\n",
                 f_.path().c_str(), have.c_str(), table_.name, want.c_str());
  }

  // Unpacks w to W [n, k] (fp32; bf16 widened, int8 dequantised) and packs it for table_.
  kernels::PackedWeights repack(const kernels::PackedWeights& w) const {
    const int64_t n = w.n, k = w.k, nr = w.nr, kg = w.kgroup, pe = w.panel_elements();
    std::vector<float> plain(static_cast<size_t>(n * k));
    for (int64_t c = 0; c < n; ++c) {
      for (int64_t i = 0; i < k; ++i) {
        const int64_t at = (c / nr) * pe + (i / kg) * nr * kg + (c % nr) * kg + i % kg;
        float v = 0.0f;
        switch (w.dtype) {
          case kernels::WeightDtype::kF32:
            v = w.data.ptr[at];
            break;
          case kernels::WeightDtype::kBF16: {
            const uint32_t bits = static_cast<uint32_t>(w.bf16.ptr[at]) << 16;
            std::memcpy(&v, &bits, sizeof v);
            break;
          }
          case kernels::WeightDtype::kI8:
            v = w.scales.ptr[c] * static_cast<float>(w.i8.ptr[at]);
            break;
        }
        plain[static_cast<size_t>(c * k + i)] = v;
      }
    }
    const ops::OpContext ctx{&table_, nullptr};  // packing uses only the table
    return ops::pack_linear(ctx, plain.data(), n, k, w.bias.ptr, w.dtype);
  }

  const ModelFile& f_;
  std::shared_ptr<const void> owner_;  // the mapping the packed weights borrow
  const kernels::KernelTable& table_;
  bool noted_ = false;
  mutable int fd_ = -1;

 public:
  ~ManifestReader() {
    if (fd_ >= 0) ::close(fd_);
  }
};

std::string small_file(const ModelFile& f, const std::string& name) {
  const json& files = f.manifest().contains("files") ? f.manifest()["files"] : json();
  if (!files.is_object() || !files.contains(name)) {
    throw Error(ErrorCode::kFormat, f.path() + ": manifest field 'files' has no '" + name + "'");
  }
  uint64_t size = 0;
  const uint8_t* p = f.blob(files[name], "files." + name, &size);
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(size));
}

void check_format_tag(const ModelFile& f) {
  const json& m = f.manifest();
  if (!m.contains("format") || m["format"] != "lightbert-model") {
    throw Error(ErrorCode::kFormat,
                f.path() + ": manifest field 'format' must be 'lightbert-model'");
  }
}

}  // namespace

LoadedModelFile load_model_file(const std::string& path, const kernels::KernelTable& table) {
  return load_model_file(ModelFile::open(path), table);
}

LoadedModelFile load_model_file(const std::shared_ptr<const ModelFile>& file,
                                const kernels::KernelTable& table) {
  const std::string& path = file->path();
  check_format_tag(*file);
  ManifestReader r(file, table);
  LoadedModelFile out;
  out.config = ModelConfig::from_json_string(small_file(*file, "config.json"),
                                             path + ": embedded config.json");
  const ModelConfig& cfg = out.config;
  const json& enc = r.field(file->manifest(), "encoder", "");
  const json& dt = r.field(enc, "dtype", "encoder.");
  if (!dt.is_string()) r.fail("manifest field 'encoder.dtype' must be a string");
  BertWeights& w = out.weights;
  w.dtype = kernels::parse_weight_dtype(dt.get<std::string>().c_str());
  const int64_t h = cfg.hidden_size, d = cfg.head_dim();
  const int64_t e = r.integer(enc, "embedding_size", "encoder.");
  if (e != cfg.embedding_size) {
    r.fail("manifest field 'encoder.embedding_size' is " + std::to_string(e) +
           ", the embedded config.json implies " + std::to_string(cfg.embedding_size));
  }
  w.embedding_size = e;
  // The offset must be the config's: max_input_length() (what inputs are cut to) assumes it, so
  // any other value indexes past the position table at inference.
  w.position_offset = r.integer(enc, "position_offset", "encoder.");
  if (w.position_offset != cfg.position_offset) {
    r.fail("manifest field 'encoder.position_offset' is " + std::to_string(w.position_offset) +
           ", the embedded config.json implies " + std::to_string(cfg.position_offset));
  }
  const json& arrays = r.field(enc, "arrays", "encoder.");
  auto arr = [&](const char* name, int64_t count, bool optional = false) {
    return r.floats(r.field(arrays, name, "encoder.arrays."), std::string("encoder.arrays.") + name,
                    count, optional);
  };
  if (arrays.is_object() && arrays.contains("word_embeddings_i8")) {
    w.word_embeddings_i8 = r.int8_rows(arrays["word_embeddings_i8"],
                                       r.field(arrays, "word_embedding_scales", "encoder.arrays."),
                                       "encoder.arrays.word_embeddings", cfg.vocab_size, e);
  } else {
    w.word_embeddings = arr("word_embeddings", int64_t{cfg.vocab_size} * e);
  }
  w.position_embeddings = arr("position_embeddings", int64_t{cfg.max_position_embeddings} * e);
  w.token_type_embeddings = arr("token_type_embeddings", int64_t{cfg.type_vocab_size} * e, true);
  w.emb_ln_gamma = arr("emb_ln_gamma", e);
  w.emb_ln_beta = arr("emb_ln_beta", e);
  const json& proj = r.field(enc, "embedding_projection", "encoder.");
  if (!proj.is_null()) {
    w.has_embedding_projection = true;
    w.embedding_projection = r.linear(proj, "encoder.embedding_projection", h, e, w.dtype);
  } else if (e != h) {
    r.fail(
        "manifest field 'encoder.embedding_projection' is null but embedding_size != hidden_size");
  }
  const json& layers = r.field(enc, "layers", "encoder.");
  if (!layers.is_array() || layers.empty() || layers.size() > 4096) {
    r.fail("manifest field 'encoder.layers' must be a non-empty list");
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string where = "encoder.layers." + std::to_string(i) + ".";
    const json& lj = layers[i];
    BertLayerWeights lw;
    const int64_t heads = r.integer(lj, "num_heads", where);
    if (heads < 1 || heads > cfg.num_attention_heads)
      r.fail("manifest field '" + where + "num_heads' is out of range");
    lw.num_heads = static_cast<int>(heads);
    lw.qkv = r.linear(r.field(lj, "qkv", where), where + "qkv", 3 * heads * d, h, w.dtype);
    lw.attn_output =
        r.linear(r.field(lj, "attn_output", where), where + "attn_output", h, heads * d, w.dtype);
    lw.intermediate = r.linear(r.field(lj, "intermediate", where), where + "intermediate",
                               cfg.intermediate_size, h, w.dtype);
    lw.output =
        r.linear(r.field(lj, "output", where), where + "output", h, cfg.intermediate_size, w.dtype);
    const json& la = r.field(lj, "arrays", where);
    for (auto [name, buf] :
         {std::pair<const char*, tensor::AlignedBuffer*>{"attn_ln_gamma", &lw.attn_ln_gamma},
          {"attn_ln_beta", &lw.attn_ln_beta},
          {"out_ln_gamma", &lw.out_ln_gamma},
          {"out_ln_beta", &lw.out_ln_beta}}) {
      *buf = r.floats(r.field(la, name, where + "arrays."), where + "arrays." + name, h);
    }
    w.layers.push_back(std::move(lw));
  }
  const json& order = r.field(enc, "layer_order", "encoder.");
  // Layers run: num_hidden_layers, each a group of inner_group_num layers (ALBERT; 1 otherwise).
  const int64_t depth = int64_t{cfg.num_hidden_layers} * std::max(1, cfg.inner_group_num);
  if (!order.is_array() || static_cast<int64_t>(order.size()) != depth) {
    r.fail("manifest field 'encoder.layer_order' must list " + std::to_string(depth) +
           " layer indexes (num_hidden_layers x inner_group_num)");
  }
  for (size_t i = 0; i < order.size(); ++i) {
    if (!order[i].is_number_integer() || order[i].get<int64_t>() < 0 ||
        order[i].get<int64_t>() >= static_cast<int64_t>(w.layers.size())) {
      r.fail("manifest field 'encoder.layer_order' entry " + std::to_string(i) +
             " is not a layer index");
    }
    w.layer_order.push_back(order[i].get<int>());
  }
  // Head counts follow config.json's pruned_heads (stored layer l keeps heads_in_layer(l), as
  // the family readers read them).
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const int want = cfg.heads_in_layer(static_cast<int>(l));
    if (w.layers[l].num_heads != want) {
      r.fail("manifest field 'encoder.layers." + std::to_string(l) + ".num_heads' is " +
             std::to_string(w.layers[l].num_heads) + ", config.json (pruned_heads) implies " +
             std::to_string(want));
    }
  }
  const json& pooler = r.field(enc, "pooler", "encoder.");
  if (!pooler.is_null()) {
    w.has_pooler = true;
    w.pooler = r.linear(pooler, "encoder.pooler", h, h, w.dtype);
  }
  return out;
}

formats::Checkpoint open_model_file_checkpoint(const std::string& path) {
  return open_model_file_checkpoint(ModelFile::open(path));
}

formats::Checkpoint open_model_file_checkpoint(const std::shared_ptr<const ModelFile>& file) {
  const std::string& path = file->path();
  check_format_tag(*file);
  const json& m = file->manifest();
  std::vector<formats::TensorInfo> tensors;
  if (m.contains("head_tensors")) {
    uint64_t size = 0;
    const uint8_t* p = file->blob(m["head_tensors"], "head_tensors", &size);
    if (size > 0) tensors = formats::parse_safetensors(p, size, path + ": head_tensors").tensors;
  }
  // The tied MLM decoder reads the word embeddings: fp32 rows borrowed from the mapping, or int8
  // rows dequantised here (only when the file has MLM head tensors).
  const ModelConfig cfg = ModelConfig::from_json_string(small_file(*file, "config.json"),
                                                        path + ": embedded config.json");
  std::shared_ptr<const void> owner = file;
  // The word embeddings are [V, E] (E = embedding_size: H, or smaller for ALBERT / ELECTRA).
  const json* arrays = nullptr;
  int64_t emb = 0;
  if (m.contains("encoder") && m["encoder"].is_object() && m["encoder"].contains("arrays") &&
      m["encoder"]["arrays"].is_object()) {
    const json& es =
        m["encoder"].contains("embedding_size") ? m["encoder"]["embedding_size"] : json();
    emb = es.is_number_integer() ? es.get<int64_t>() : 0;
    if (emb == cfg.embedding_size && emb > 0) arrays = &m["encoder"]["arrays"];
  }
  formats::TensorInfo t;
  t.name = "embeddings.word_embeddings.weight";
  t.dtype = formats::DType::kF32;
  t.shape = {cfg.vocab_size, emb};
  t.file = path;
  const uint64_t want = static_cast<uint64_t>(t.numel()) * 4;
  const bool has_mlm = std::any_of(tensors.begin(), tensors.end(), [](const auto& x) {
    // The masked-LM head of any family (the rows' MlmLayout, formats/model_family.h).
    for (const formats::FamilyDescriptor& f : formats::families()) {
      for (const std::string* p : {&f.mlm.dense, &f.mlm.norm, &f.mlm.decoder, &f.mlm.bias,
                                   &f.mlm.bias_alt}) {
        if (!p->empty() && x.name.rfind(*p, 0) == 0) return true;
      }
    }
    return false;
  });
  if (arrays != nullptr && arrays->contains("word_embeddings")) {
    uint64_t size = 0;
    t.data = file->blob((*arrays)["word_embeddings"], "encoder.arrays.word_embeddings", &size);
    t.nbytes = static_cast<size_t>(size);
    if (size == want) tensors.push_back(std::move(t));
  } else if (arrays != nullptr && arrays->contains("word_embeddings_i8") &&
             arrays->contains("word_embedding_scales") && has_mlm) {
    uint64_t code_bytes = 0, scale_bytes = 0;
    const auto* codes = reinterpret_cast<const int8_t*>(file->blob(
        (*arrays)["word_embeddings_i8"], "encoder.arrays.word_embeddings_i8", &code_bytes));
    const auto* scales = reinterpret_cast<const float*>(file->blob(
        (*arrays)["word_embedding_scales"], "encoder.arrays.word_embedding_scales", &scale_bytes));
    if (code_bytes * 4 == want && scale_bytes == static_cast<uint64_t>(cfg.vocab_size) * 4) {
      auto rows = std::make_shared<std::vector<float>>(static_cast<size_t>(t.numel()));
      const quant::QuantizedRows q{cfg.vocab_size, emb, codes, scales, nullptr};
      for (int64_t r = 0; r < q.rows; ++r) q.dequantize_row(r, rows->data() + r * q.cols);
      t.data = reinterpret_cast<const uint8_t*>(rows->data());
      t.nbytes = static_cast<size_t>(want);
      tensors.push_back(std::move(t));
      owner = std::make_shared<std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>>(
          file, std::move(rows));
    }
  }
  return formats::Checkpoint::from_memory(path, std::move(tensors), std::move(owner));
}

void extract_model_file_files(const std::string& path, const std::string& dir) {
  extract_model_file_files(*ModelFile::open(path), dir);
}

void extract_model_file_files(const ModelFile& model_file, const std::string& dir) {
  const ModelFile* file = &model_file;
  const std::string& path = file->path();
  check_format_tag(*file);
  const json& files = file->manifest().contains("files") ? file->manifest()["files"] : json();
  if (!files.is_object()) {
    throw Error(ErrorCode::kFormat, path + ": manifest field 'files' must be an object");
  }
  for (const auto& [name, ref] : files.items()) {
    const size_t slash = name.find('/');
    const bool nested_ok =
        slash == std::string::npos || (name.find('/', slash + 1) == std::string::npos && slash > 0);
    if (name.empty() || name[0] == '.' || name.find("..") != std::string::npos || !nested_ok) {
      throw Error(ErrorCode::kFormat, path + ": embedded file name " + formats::quote_name(name) +
                                          " is not a plain relative path");
    }
    uint64_t size = 0;
    const uint8_t* p = file->blob(ref, "files." + name, &size);
    if (slash != std::string::npos) ::mkdir((dir + "/" + name.substr(0, slash)).c_str(), 0700);
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(size));
    out.close();  // a failed flush shows only here
    if (!out) {
      throw Error(ErrorCode::kIo, dir + "/" + name + ": cannot write (extracting it from " + path +
                                      "): " + std::strerror(errno));
    }
  }
}

}  // namespace lightbert::models
