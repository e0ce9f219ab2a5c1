// tests/support/head_models.cpp: see head_models.h.
#include "support/head_models.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "formats/checkpoint.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::testing {

namespace {

struct Blob {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

void collect(const formats::Checkpoint& ck, const std::string& prefix, bool with_pooler,
             const std::set<std::string>& drop, std::vector<Blob>& out) {
  for (const std::string& n : ck.names()) {
    if (!with_pooler && n.rfind("pooler.", 0) == 0) continue;
    if (drop.count(n) != 0) continue;
    const formats::TensorInfo& t = ck.get(n);
    out.push_back({prefix + n, formats::dtype_name(t.dtype), t.shape,
                   std::string(reinterpret_cast<const char*>(t.data), t.nbytes)});
  }
}

}  // namespace

std::string make_head_model(const std::string& name, const std::set<std::string>& drop) {
  return make_multi_head_model({name}, drop);
}

std::string make_multi_head_model(const std::vector<std::string>& names,
                                  const std::set<std::string>& drop) {
  const std::string src = test_data("heads/" + names.front());
  const std::string tiny = test_data("tiny-bert");
  std::string tag;
  for (const std::string& n : names) tag += (tag.empty() ? "" : "+") + n;
  const std::string dir = make_temp_dir("head-" + tag);
  std::string config = read_file(src + "/config.json");
  if (names.size() > 1) {
    nlohmann::json c = nlohmann::json::parse(config);
    for (size_t i = 1; i < names.size(); ++i) {
      const nlohmann::json other =
          nlohmann::json::parse(read_file(test_data("heads/" + names[i]) + "/config.json"));
      for (const auto& a : other["architectures"]) c["architectures"].push_back(a);
    }
    config = c.dump(1);
  }
  write_file(dir + "/config.json", config);
  write_file(dir + "/vocab.txt", read_file(tiny + "/vocab.txt"));
  write_file(dir + "/tokenizer_config.json", read_file(tiny + "/tokenizer_config.json"));
  const bool pooler = config.find("ForSequenceClassification") != std::string::npos;
  std::vector<Blob> blobs;
  formats::Checkpoint enc = formats::Checkpoint::open_file(tiny + "/model.safetensors");
  collect(enc, "bert.", pooler, drop, blobs);
  for (const std::string& n : names) {
    formats::Checkpoint head =
        formats::Checkpoint::open_file(test_data("heads/" + n) + "/head.safetensors");
    collect(head, "", true, drop, blobs);
  }
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const Blob& b : blobs) {
    header[b.name] = {{"dtype", b.dtype},
                      {"shape", b.shape},
                      {"data_offsets", {data.size(), data.size() + b.bytes.size()}}};
    data += b.bytes;
  }
  std::string h = header.dump();
  while (h.size() % 8 != 0) h += ' ';
  std::string file(8, '\0');
  uint64_t len = h.size();
  std::memcpy(file.data(), &len, 8);  // little endian on x86-64
  write_file(dir + "/model.safetensors", file + h + data);
  return dir;
}

std::vector<nlohmann::json> head_golden(const std::string& head) {
  std::vector<nlohmann::json> out;
  std::istringstream ss(read_file(test_data("heads/golden.jsonl")));
  for (std::string l; std::getline(ss, l);) {
    if (l.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(l);
    if (j["head"] == head) out.push_back(std::move(j));
  }
  return out;
}

void remove_dir(const std::string& dir) {
  if (dir.find("/lightbert-") == std::string::npos) return;  // only our temporary folders
  (void)std::system(("rm -rf " + shell_quote(dir)).c_str());
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::istringstream ss(read_file(path));
  for (std::string l; std::getline(ss, l);) {
    if (!l.empty()) out.push_back(nlohmann::json::parse(l));
  }
  return out;
}

std::string family_head_folder(const std::string& family, const std::string& fixture,
                               const std::string& dir) {
  namespace fs = std::filesystem;
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(test_data("families/" + family + "-" + fixture + "/") + f, dir + "/" + f);
  }
  const std::string tok = family == "roberta"       ? "tokenizers/roberta-tiny"
                          : family == "xlm-roberta" ? "tokenizers/xlmr-tiny"
                          : family == "albert"      ? "tokenizers/albert-tiny"
                          : family == "camembert"   ? "tokenizers/camembert-tiny"
                                                    : "";
  if (tok.empty()) {
    for (const char* f : {"vocab.txt", "tokenizer_config.json"}) {
      fs::copy_file(test_data("tiny-bert/") + f, dir + "/" + f);
    }
  } else {
    for (const auto& e : fs::directory_iterator(test_data(tok))) {
      fs::copy_file(e.path(), dir + "/" + e.path().filename().string());
    }
  }
  return dir;
}

}  // namespace lightbert::testing
