// models/model_file_saver.cpp: save_model_file and what it gathers from a model folder (see
// model_file_loader.h, docs/model-file-format.md).
// Contract: small files are the tokenizer files, tokenizer_config.json,
// special_tokens_map.json, added_tokens.json and the sentence-transformers files (modules.json,
// each module's config.json, a Dense module's model.safetensors or pytorch_model.bin,
// sentence_bert_config.json,
// config_sentence_transformers.json) that exist; head tensors are the float tensors outside the
// encoder (not under models::encoder_tensor_prefixes(): every family row's checkpoint prefix and
// encoder modules, formats/model_family.h), stored as F32. The edited config.json keeps the
// family's own field for the depth (the row's depth_field: DistilBERT's n_layers, the others'
// num_hidden_layers).
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "formats/dtype.h"
#include "formats/json_limits.h"
#include "formats/model_file.h"
#include "lightbert/error.h"
#include "formats/model_family.h"
#include "models/model_families.h"
#include "models/model_file_loader.h"
#include "runtime/thread_pool.h"

namespace lightbert::models {
namespace {

using nlohmann::json;

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Besides the family table's tokenizer files (formats::tokenizer_folder_files()): the
// sentence-transformers files (each module's config.json is added from modules.json).
constexpr const char* kSentenceTransformersFiles[] = {
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
};

bool is_encoder_tensor(const std::string& name) {
  for (const std::string& p : encoder_tensor_prefixes()) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

bool safe_module_path(const std::string& p) {
  return !p.empty() && p[0] != '/' && p.find("..") == std::string::npos;
}

// A safetensors image of F32 tensors (header padded with spaces to a multiple of 8).
std::string safetensors_image(const std::vector<HeadTensor>& tensors) {
  json header = json::object();
  uint64_t offset = 0;
  for (const HeadTensor& t : tensors) {
    const uint64_t bytes = t.data.size() * sizeof(float);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text += ' ';
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(static_cast<uint64_t>(text.size()) >> (8 * i));
  out += text;
  for (const HeadTensor& t : tensors) {
    out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  }
  return out;
}

class ManifestBuilder {
 public:
  formats::ModelFileWriter writer;

  json floats(const tensor::AlignedBuffer& b, int64_t count) {
    if (b.data() == nullptr) count = 0;
    return writer.add(b.data(), static_cast<uint64_t>(count) * sizeof(float));
  }

  json linear(const kernels::PackedWeights& w) {
    json j = {{"n", w.n},           {"k", w.k},
              {"nr", w.nr},         {"kgroup", w.kgroup},
              {"layout", w.layout}, {"dtype", kernels::weight_dtype_name(w.dtype)}};
    json arrays = json::object();
    kernels::for_each_array(w, [&](const char* name, const void* data, size_t bytes) {
      arrays[name] = writer.add(data, bytes);
    });
    j["arrays"] = arrays;
    return j;
  }
};

}  // namespace

ModelFolderExtras read_model_folder_extras(const std::string& dir,
                                           const formats::Checkpoint& checkpoint) {
  ModelFolderExtras x;
  x.config_json = read_text(dir + "/config.json");
  for (const std::string& name : formats::tokenizer_folder_files()) {
    if (is_file(dir + "/" + name)) x.files[name] = read_text(dir + "/" + name);
  }
  for (const char* name : kSentenceTransformersFiles) {
    if (is_file(dir + "/" + name)) x.files[name] = read_text(dir + "/" + name);
  }
  if (auto it = x.files.find("modules.json"); it != x.files.end()) {
    formats::check_json_depth(it->second, dir + "/modules.json");
    json modules = json::parse(it->second, nullptr, false);
    if (modules.is_array()) {
      for (const json& m : modules) {
        if (!m.is_object() || !m.contains("path") || !m["path"].is_string()) continue;
        std::string sub = m["path"].get<std::string>();
        while (!sub.empty() && sub.back() == '/') sub.pop_back();
        if (!safe_module_path(sub)) continue;
        const std::string rel = sub + "/config.json";
        if (is_file(dir + "/" + rel)) x.files[rel] = read_text(dir + "/" + rel);
        const bool dense = m.contains("type") && m["type"] == "sentence_transformers.models.Dense";
        for (const char* file : {"/model.safetensors", "/pytorch_model.bin"}) {
          const std::string weights = sub + file;  // the one read_dense_module reads
          if (dense && is_file(dir + "/" + weights)) {
            x.files[weights] = read_text(dir + "/" + weights);
            break;
          }
        }
      }
    }
  }
  for (const std::string& name : checkpoint.names()) {
    if (is_encoder_tensor(name)) continue;
    const formats::TensorInfo& t = checkpoint.get(name);
    if (t.dtype != formats::DType::kF32 && t.dtype != formats::DType::kF16 &&
        t.dtype != formats::DType::kBF16) {
      continue;  // integer buffers are not weights
    }
    HeadTensor h;
    h.name = name;
    h.shape = t.shape;
    h.data.resize(static_cast<size_t>(t.numel()));
    formats::convert_to_f32(t.dtype, t.data, h.data.size(), h.data.data());
    x.head_tensors.push_back(std::move(h));
  }
  return x;
}

std::string edited_config_json(const std::string& original, const ModelConfig& config) {
  formats::check_json_depth(original, "config.json");
  json j = json::parse(original, nullptr, false);
  if (!j.is_object()) throw Error(ErrorCode::kFormat, "config.json: not a JSON object");
  // The family's own depth field: DistilBertConfig reads n_layers (num_hidden_layers is only its
  // attribute_map alias).
  j[formats::family(config.model_type).depth_field] = config.num_hidden_layers;
  json pruned = json::object();
  for (const auto& [layer, heads] : config.pruned_heads) pruned[std::to_string(layer)] = heads;
  if (pruned.empty()) {
    j.erase("pruned_heads");
  } else {
    j["pruned_heads"] = pruned;
  }
  return j.dump(2) + "\n";
}

void save_model_file(const std::string& path, const ModelConfig& config,
                     const ModelFolderExtras& extras, const BertWeights& w,
                     const kernels::KernelTable& table) {
  ManifestBuilder b;
  json manifest = {{"format", "lightbert-model"}};
  const std::string config_text = edited_config_json(extras.config_json, config);
  json files = json::object();
  files["config.json"] = b.writer.add(config_text.data(), config_text.size());
  for (const auto& [name, bytes] : extras.files)
    files[name] = b.writer.add(bytes.data(), bytes.size());
  manifest["files"] = files;
  const std::string heads = safetensors_image(extras.head_tensors);
  manifest["head_tensors"] = b.writer.add(heads.data(), heads.size());

  const int64_t e = w.embedding_size, h = config.hidden_size;
  json enc = {{"dtype", kernels::weight_dtype_name(w.dtype)},
              {"layout", kernels::packed_layout(table, w.dtype)},
              {"isa", table.name},
              {"embedding_size", e},
              {"position_offset", w.position_offset},
              {"layer_order", w.layer_order}};
  enc["arrays"] = {
      {"position_embeddings",
       b.floats(w.position_embeddings, int64_t{config.max_position_embeddings} * e)},
      {"token_type_embeddings",
       b.floats(w.token_type_embeddings, int64_t{config.type_vocab_size} * e)},
      {"emb_ln_gamma", b.floats(w.emb_ln_gamma, e)},
      {"emb_ln_beta", b.floats(w.emb_ln_beta, e)},
  };
  if (const quant::QuantizedRows& q = w.word_embeddings_i8; !q.empty()) {
    enc["arrays"]["word_embeddings_i8"] =
        b.writer.add(q.codes, static_cast<uint64_t>(q.rows * q.cols));
    enc["arrays"]["word_embedding_scales"] =
        b.writer.add(q.scales, static_cast<uint64_t>(q.rows) * sizeof(float));
  } else {
    enc["arrays"]["word_embeddings"] = b.floats(w.word_embeddings, int64_t{config.vocab_size} * e);
  }
  enc["embedding_projection"] =
      w.has_embedding_projection ? b.linear(w.embedding_projection) : json();
  enc["pooler"] = w.has_pooler ? b.linear(w.pooler) : json();
  json layers = json::array();
  for (const BertLayerWeights& lw : w.layers) {
    layers.push_back({{"num_heads", lw.num_heads},
                      {"qkv", b.linear(lw.qkv)},
                      {"attn_output", b.linear(lw.attn_output)},
                      {"intermediate", b.linear(lw.intermediate)},
                      {"output", b.linear(lw.output)},
                      {"arrays",
                       {{"attn_ln_gamma", b.floats(lw.attn_ln_gamma, h)},
                        {"attn_ln_beta", b.floats(lw.attn_ln_beta, h)},
                        {"out_ln_gamma", b.floats(lw.out_ln_gamma, h)},
                        {"out_ln_beta", b.floats(lw.out_ln_beta, h)}}}});
  }
  enc["layers"] = layers;
  manifest["encoder"] = enc;
  b.writer.write(path, manifest);
}

void convert_folder(const std::string& dir, const std::string& out,
                    const kernels::KernelTable& table, kernels::WeightDtype dtype,
                    const std::function<void(ModelConfig&, EncoderTensors&)>& edit) {
  ModelConfig config = ModelConfig::from_json_file(dir + "/config.json");
  formats::Checkpoint ck = formats::Checkpoint::open_folder(dir);
  EncoderTensors tensors = read_encoder_tensors(ck, config);
  if (edit) edit(config, tensors);
  runtime::ThreadPool pool(1);
  const ops::OpContext ctx{&table, &pool};
  save_model_file(out, config, read_model_folder_extras(dir, ck), pack_encoder(tensors, ctx, dtype),
                  table);
}

}  // namespace lightbert::models
