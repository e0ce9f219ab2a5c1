// tests/unit/torch_checkpoint_test.cpp: pytorch_model.bin read without torch
// (formats/torch_checkpoint.h) and through Checkpoint / Model.
// Real files: tests/data/formats/torch/, written by torch.save (torch 1.13) from the weights of
// tests/data/heads/chinese-ner (tools/make_torch_fixtures.py): they must load bit for bit equal to
// the safetensors file and give the same model outputs; tied weights, storage offsets, every
// accepted dtype and the rejected cases (non-contiguous, complex, a list, a pickle calling
// os.system) are checked on them. Hostile inputs are built here (a small stored-zip writer and
// hand-written pickles): each must give a lightbert::Error of the right code naming the fault;
// every truncation and byte flip of the real files must give an Error or a valid load, never a
// crash (run under ASan+UBSan by tools/test.sh --sanitize).
#include "formats/torch_checkpoint.h"

#include <gtest/gtest.h>
#include <immintrin.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "formats/dtype.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"
#include "lightbert/tasks.h"
#include "support/fake_hub.h"
#include "support/head_models.h"
#include "support/run_cli.h"
#include "support/test_paths.h"

namespace lightbert::formats {
namespace {

using testing::make_temp_dir;
using testing::read_file;
using testing::test_data;
using testing::write_file;

std::string torch_data(const std::string& rel) {
  return test_data("formats/torch/" + rel);
}

template <typename Fn>
Error catch_error(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no lightbert::Error thrown";
  return Error(ErrorCode::kInternal, "");
}

bool contains(const Error& e, const std::string& needle) {
  return std::string(e.what()).find(needle) != std::string::npos;
}

std::vector<TensorInfo> parse(const std::string& bytes, const std::string& path = "test.bin") {
  return parse_torch_checkpoint(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
}

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// ---- a stored-zip writer and pickle pieces ---------------------------------------------------

uint32_t crc32(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

std::string le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

struct ZipOptions {
  uint16_t method = 0;  // of every entry
  int64_t cd_offset_delta = 0;
  int64_t local_offset_delta = 0;
  bool bad_crc = false;
  bool zip64 = false;  // sizes, offsets and counts only in zip64 fields, as for files > 4 GB
};

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries,
                     const ZipOptions& o = {}) {
  std::string out, cd;
  for (const auto& [name, data] : entries) {
    const uint32_t crc = crc32(data) ^ (o.bad_crc ? 1u : 0u);
    const uint64_t at = out.size();
    out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(o.method, 2) + le(0, 4) + le(crc, 4) +
           le(data.size(), 4) + le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + name + data;
    const uint64_t local = static_cast<uint64_t>(static_cast<int64_t>(at) + o.local_offset_delta);
    if (o.zip64) {
      cd += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(o.method, 2) + le(0, 4) +
            le(crc, 4) + le(0xFFFFFFFFu, 4) + le(0xFFFFFFFFu, 4) + le(name.size(), 2) + le(28, 2) +
            le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0xFFFFFFFFu, 4) + name + le(1, 2) +
            le(24, 2) + le(data.size(), 8) + le(data.size(), 8) + le(local, 8);
      continue;
    }
    cd += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(o.method, 2) + le(0, 4) +
          le(crc, 4) + le(data.size(), 4) + le(data.size(), 4) + le(name.size(), 2) + le(0, 2) +
          le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(local, 4) + name;
  }
  const uint64_t cd_at = out.size();
  out += cd;
  if (o.zip64) {
    const uint64_t rec = out.size();
    out += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) +
           le(entries.size(), 8) + le(entries.size(), 8) + le(cd.size(), 8) + le(cd_at, 8);
    out += le(0x07064b50, 4) + le(0, 4) + le(rec, 8) + le(1, 4);
    out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) +
           le(0xFFFFFFFFu, 4) + le(0xFFFFFFFFu, 4) + le(0, 2);
    return out;
  }
  out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(entries.size(), 2) + le(entries.size(), 2) +
         le(cd.size(), 4) +
         le(static_cast<uint64_t>(static_cast<int64_t>(cd_at) + o.cd_offset_delta), 4) + le(0, 2);
  return out;
}

std::string uni(const std::string& s) {  // BINUNICODE
  return "X" + le(s.size(), 4) + s;
}
std::string global(const std::string& module, const std::string& name) {
  return "c" + module + "\n" + name + "\n";
}
std::string long8(int64_t v) {  // LONG1 of 8 bytes
  return std::string("\x8a\x08", 2) + le(static_cast<uint64_t>(v), 8);
}
std::string ints(const std::vector<int64_t>& v) {  // a tuple of ints
  std::string s = "(";
  for (int64_t x : v) s += long8(x);
  return s + "t";
}

struct TensorSpec {
  std::string key = "w";
  std::string storage_type = "FloatStorage";
  std::string storage_key = "0";
  int64_t numel = 6;
  int64_t offset = 0;
  std::vector<int64_t> size{2, 3}, stride{3, 1};
  std::string legacy_view;  // legacy persistent ids: their 6th element ("N" or a pickled tuple)
};

// _rebuild_tensor_v2(('storage', torch.T, key, 'cpu', numel), offset, size, stride, False,
// OrderedDict()), as torch.save writes it (without memo opcodes).
std::string tensor_pickle(const TensorSpec& t) {
  return global("torch._utils", "_rebuild_tensor_v2") + "((" + uni("storage") +
         global("torch", t.storage_type) + uni(t.storage_key) + uni("cpu") + long8(t.numel) +
         t.legacy_view + "tQ" + long8(t.offset) + ints(t.size) + ints(t.stride) + "\x89" +
         global("collections", "OrderedDict") + ")RtR";
}

std::string dict_pickle(const std::vector<TensorSpec>& ts) {
  std::string s = "\x80\x02}(";
  for (const TensorSpec& t : ts) s += uni(t.key) + tensor_pickle(t);
  return s + "u.";
}

std::string f32_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

// A torch zip with the given pickle and storages.
std::string torch_zip(
    const std::string& pickle,
    const std::map<std::string, std::string>& storages = {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}},
    const ZipOptions& o = {}) {
  std::vector<std::pair<std::string, std::string>> e{{"archive/data.pkl", pickle}};
  for (const auto& [k, v] : storages) e.emplace_back("archive/data/" + k, v);
  e.emplace_back("archive/version", "3\n");
  return make_zip(e, o);
}

// The legacy format: magic, protocol and sys_info pickles, the object pickle, the storage keys
// pickle, then each storage as an int64 element count and its bytes.
std::string legacy_file(const std::string& object_pickle, const std::vector<std::string>& keys,
                        const std::vector<std::string>& data, bool little_endian = true,
                        const std::string& keys_pickle = "") {
  const std::string magic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
  std::string s = "\x80\x02\x8a\x0a" + magic + ".";
  s += "\x80\x02M\xe9\x03.";  // 1001
  s += "\x80\x02}(" + uni("protocol_version") + "M\xe9\x03" + uni("little_endian") +
       (little_endian ? "\x88" : "\x89") + uni("type_sizes") + "}u.";
  s += object_pickle;
  if (keys_pickle.empty()) {
    s += "\x80\x02](";
    for (const std::string& k : keys) s += uni(k);
    s += "e.";
  } else {
    s += keys_pickle;
  }
  for (const std::string& d : data) s += le(d.size() / 4, 8) + d;
  return s;
}

// ---- real files ------------------------------------------------------------------------------

void expect_same_tensors(const Checkpoint& got, const Checkpoint& want, size_t extra) {
  const std::vector<std::string> names = want.names();
  ASSERT_EQ(names.size(), 23u);
  EXPECT_EQ(got.names().size(), names.size() + extra);
  for (const std::string& n : names) {
    const TensorInfo* g = got.find(n);
    ASSERT_NE(g, nullptr) << n;
    const TensorInfo& w = want.get(n);
    EXPECT_EQ(g->name, n);
    EXPECT_EQ(g->dtype, w.dtype) << n;
    EXPECT_EQ(g->shape, w.shape) << n;
    ASSERT_EQ(g->nbytes, w.nbytes) << n;
    EXPECT_EQ(std::memcmp(g->data, w.data, w.nbytes), 0) << n << ": bytes differ";
  }
}

TEST(TorchCheckpoint, ZipAndLegacyEqualSafetensorsBitForBit) {
  const Checkpoint st = Checkpoint::open_file(test_data("heads/chinese-ner/model.safetensors"));
  const Checkpoint zip = Checkpoint::open_folder(torch_data("ner"));
  expect_same_tensors(zip, st, 1);
  EXPECT_EQ(zip.get("embeddings.word_embeddings.weight").file,
            torch_data("ner") + "/pytorch_model.bin");
  // The int64 position_ids buffer of older transformers checkpoints loads (read_f32 refuses it).
  const TensorInfo& ids = zip.get("embeddings.position_ids");
  EXPECT_EQ(ids.dtype, DType::kI64);
  EXPECT_EQ(ids.shape, (std::vector<int64_t>{1, 64}));
  for (int64_t i = 0; i < 64; ++i) {
    int64_t v;
    std::memcpy(&v, ids.data + 8 * i, 8);
    EXPECT_EQ(v, i);
  }
  EXPECT_EQ(catch_error([&] {
              zip.read_f32("embeddings.position_ids", {1, 64});
            }).code(),
            ErrorCode::kUnsupported);
  // read_f32 through the usual lookups (prefix "bert.").
  EXPECT_EQ(zip.read_f32("encoder.layer.0.output.LayerNorm.weight", {32}),
            st.read_f32("encoder.layer.0.output.LayerNorm.weight", {32}));

  const Checkpoint legacy = Checkpoint::open_folder(torch_data("ner-legacy"));
  expect_same_tensors(legacy, st, 0);
}

uint16_t bf16_rne(float f) {  // torch's float -> bfloat16 (round to nearest even; no NaNs here)
  const uint32_t b = bits_of(f);
  return static_cast<uint16_t>((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
}

__attribute__((target("f16c"))) uint16_t f16_rne(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}

TEST(TorchCheckpoint, ShardedBinFolderWithHalfDtypes) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "CPU without F16C";
  const Checkpoint st = Checkpoint::open_file(test_data("heads/chinese-ner/model.safetensors"));
  const Checkpoint sh = Checkpoint::open_folder(torch_data("ner-sharded"));
  ASSERT_EQ(sh.names().size(), 23u);
  for (const std::string& n : st.names()) {
    const TensorInfo& w = st.get(n);
    const TensorInfo& g = sh.get(n);
    const bool emb = n.find(".embeddings.") != std::string::npos;
    EXPECT_EQ(g.dtype, emb ? DType::kBF16 : DType::kF16) << n;
    EXPECT_NE(g.file.find(emb ? "00001-of-00002.bin" : "00002-of-00002.bin"), std::string::npos)
        << n;
    std::vector<float> f32 = st.read_f32(n, w.shape);
    std::vector<float> half = sh.read_f32(n, w.shape);
    ASSERT_EQ(g.nbytes, f32.size() * 2);
    for (size_t i = 0; i < f32.size(); ++i) {
      uint16_t stored;
      std::memcpy(&stored, g.data + 2 * i, 2);
      ASSERT_EQ(stored, emb ? bf16_rne(f32[i]) : f16_rne(f32[i])) << n << " #" << i;
      ASSERT_EQ(bits_of(half[i]), bits_of(emb ? bf16_to_float(stored) : half_to_float(stored)));
    }
  }
  // A shard that lacks what the index assigns to it is named with the .bin index.
  const std::string dir = make_temp_dir("torchshard");
  for (const char* f : {"config.json", "pytorch_model-00001-of-00002.bin"}) {
    write_file(dir + "/" + f, read_file(torch_data("ner-sharded/") + f));
  }
  write_file(dir + "/pytorch_model.bin.index.json",
             R"({"weight_map":{"classifier.bias":"pytorch_model-00001-of-00002.bin"}})");
  Error e = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(e, "pytorch_model.bin.index.json") && contains(e, "'classifier.bias'"))
      << e.what();
}

TEST(TorchCheckpoint, ModelOutputsEqualSafetensors) {
  const auto gold = testing::head_golden("chinese-ner");
  ASSERT_GE(gold.size(), 3u);
  std::vector<std::string> texts;
  for (const auto& g : gold) texts.push_back(g["input"]["text"]);
  auto reference = Model::load(test_data("heads/chinese-ner"));
  const auto want = TokenClassifier(*reference).classify(texts, Aggregation::kSimple, false);
  for (const char* folder : {"ner", "ner-legacy"}) {
    auto model = Model::load(torch_data(folder));
    const auto got = TokenClassifier(*model).classify(texts, Aggregation::kSimple, false);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].logits, want[i].logits) << folder << " text " << i;  // bit for bit
      EXPECT_EQ(got[i].tags, want[i].tags) << folder << " text " << i;
      ASSERT_EQ(got[i].entities.size(), want[i].entities.size());
    }
    // The encoder alone, with the pooler-less hidden states.
    SequenceBatch batch;
    batch.add({2, 5, 7, 9, 3});
    batch.add({2, 11, 3}, {0, 1, 1});
    EncoderOutput a, b;
    Encoder::load(torch_data(folder))->forward(batch, a);
    Encoder::load(test_data("heads/chinese-ner"))->forward(batch, b);
    EXPECT_EQ(a.last_hidden_state, b.last_hidden_state) << folder;
  }
  // Half-precision shards: close to fp32, not equal.
  auto half = Model::load(torch_data("ner-sharded"));
  const auto got = TokenClassifier(*half).classify(texts, Aggregation::kSimple, false);
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].logits.size(), want[i].logits.size());
    for (size_t k = 0; k < got[i].logits.size(); ++k) {
      worst = std::max(worst, std::fabs(double(got[i].logits[k]) - want[i].logits[k]));
    }
  }
  EXPECT_GT(worst, 0.0);
  EXPECT_LT(worst, 0.1);
}

TEST(TorchCheckpoint, CliReadsBinFolders) {
  const std::string in = R"({"text": "我爱北京"})"
                         "\n";
  const auto want = testing::run_cli("ner --model " + test_data("heads/chinese-ner"), in);
  ASSERT_EQ(want.exit_code, 0) << want.err;
  for (const char* folder : {"ner", "ner-legacy"}) {
    const auto got = testing::run_cli("ner --model " + torch_data(folder), in);
    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(got.out, want.out) << folder;
  }
}

void check_special(const std::string& path) {
  SCOPED_TRACE(path);
  const Checkpoint c = Checkpoint::open_file(path);
  EXPECT_EQ(c.names().size(), 16u);
  const TensorInfo& word = c.get("word_embeddings.weight");
  EXPECT_EQ(word.shape, (std::vector<int64_t>{3, 4}));
  std::vector<float> grid(12);
  for (int i = 0; i < 12; ++i) grid[i] = 0.5f * i - 1.0f;
  EXPECT_EQ(c.read_f32("word_embeddings.weight", {3, 4}), grid);
  // Tied weights share their bytes; a view starts inside the same storage.
  EXPECT_EQ(c.get("decoder.weight").data, word.data);
  EXPECT_EQ(c.get("rows_1_2").data, word.data + 16);
  EXPECT_EQ(c.read_f32("rows_1_2", {2, 4}), std::vector<float>(grid.begin() + 4, grid.end()));
  EXPECT_EQ(c.read_f32("odd_stride", {1, 4}), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(c.read_f32("scalar", {}), (std::vector<float>{2.5f}));
  EXPECT_EQ(c.get("empty").nbytes, 0u);
  EXPECT_EQ(c.read_f32("empty", {0, 3}).size(), 0u);
  EXPECT_EQ(c.read_f32("param", {2}), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(c.read_f32("f16", {3}), (std::vector<float>{1.0f, -2.0f, 65504.0f}));
  EXPECT_EQ(c.read_f32("bf16", {3}), (std::vector<float>{1.0f, 3.140625f, -0.5f}));
  const std::map<std::string, DType> dtypes{
      {"f16", DType::kF16}, {"bf16", DType::kBF16}, {"f64", DType::kF64},
      {"i64", DType::kI64}, {"i32", DType::kI32},   {"i16", DType::kI16},
      {"i8", DType::kI8},   {"u8", DType::kU8},     {"bool", DType::kBool}};
  for (const auto& [name, dtype] : dtypes) EXPECT_EQ(c.get(name).dtype, dtype) << name;
  int64_t i64[2];
  std::memcpy(i64, c.get("i64").data, 16);
  EXPECT_EQ(i64[0], -3);
  EXPECT_EQ(i64[1], int64_t{1} << 40);
  double f64;
  std::memcpy(&f64, c.get("f64").data, 8);
  EXPECT_EQ(f64, 0.1);
  EXPECT_EQ(static_cast<uint8_t>(c.get("u8").data[0]), 200);
  EXPECT_EQ(static_cast<int8_t>(c.get("i8").data[0]), -8);
  EXPECT_EQ(c.get("bool").data[0], 1);
  EXPECT_EQ(c.get("bool").data[1], 0);
  Error f = catch_error([&] { c.read_f32("f64", {1}); });
  EXPECT_EQ(f.code(), ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(f, "'f64'") && contains(f, "F64")) << f.what();
}

TEST(TorchCheckpoint, TiedWeightsOffsetsAndEveryDtype) {
  check_special(torch_data("special.bin"));
  check_special(torch_data("special-legacy.bin"));
}

TEST(TorchCheckpoint, RejectsWhatTorchCanWriteButLightbertDoesNotRead) {
  struct Case {
    const char* file;
    ErrorCode code;
    std::vector<std::string> needles;
  };
  const Case cases[] = {
      {"transposed.bin", ErrorCode::kUnsupported, {"'w'", "not contiguous", "stride [1, 3]"}},
      {"complex.bin", ErrorCode::kUnsupported, {"'torch.ComplexFloatStorage'", "not supported"}},
      {"list.bin", ErrorCode::kFormat, {"not a dict of tensors"}},
      {"hostile-reduce.bin",
       ErrorCode::kFormat,
       {"'posix.system'", "not allowed", "never runs pickle code", "data.pkl, byte "}},
  };
  ::unlink("/tmp/lightbert-pwned");
  for (const Case& c : cases) {
    const std::string path = torch_data(c.file);
    Error e = catch_error([&] { Checkpoint::open_file(path); });
    EXPECT_EQ(e.code(), c.code) << e.what();
    EXPECT_TRUE(contains(e, path)) << e.what();
    for (const std::string& n : c.needles) EXPECT_TRUE(contains(e, n)) << n << ": " << e.what();
  }
  struct stat st {};
  EXPECT_NE(::stat("/tmp/lightbert-pwned", &st), 0) << "pickle code ran";
}

TEST(TorchCheckpoint, HandMadeFilesMatchTheFormat) {
  // The writer here makes files the reader accepts, so that the hostile cases below fail for the
  // fault they carry.
  // (TensorInfo points into the bytes parsed: keep them alive.)
  const std::string plain = torch_zip(dict_pickle({TensorSpec{}}));
  std::vector<TensorInfo> t = parse(plain);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].shape, (std::vector<int64_t>{2, 3}));
  float v[6];
  std::memcpy(v, t[0].data, 24);
  EXPECT_EQ(v[5], 6.0f);
  TensorSpec off;
  off.offset = 2;
  off.size = {4};
  off.stride = {1};
  const std::string offset = torch_zip(dict_pickle({off}));
  t = parse(offset);
  std::memcpy(v, t[0].data, 16);
  EXPECT_EQ(v[0], 3.0f);
  EXPECT_EQ(v[3], 6.0f);
  // Zip64 directories (what torch writes past 4 GB).
  ZipOptions z64;
  z64.zip64 = true;
  const std::string wide =
      torch_zip(dict_pickle({off}), {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}}, z64);
  t = parse(wide);
  ASSERT_EQ(t.size(), 1u);
  std::memcpy(v, t[0].data, 16);
  EXPECT_EQ(v[0], 3.0f);
  // A zip64 end record without its locator, or pointing outside the file.
  std::string no_locator =
      torch_zip(dict_pickle({off}), {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}}, z64);
  no_locator[no_locator.size() - 22 - 20] = 'X';
  Error e = catch_error([&] { parse(no_locator); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(e, "zip64")) << e.what();
  std::string far = torch_zip(dict_pickle({off}), {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}}, z64);
  far[far.size() - 22 - 20 + 8 + 5] = '\x01';  // the record's offset += 2^40
  e = catch_error([&] { parse(far); });
  EXPECT_TRUE(contains(e, "zip64 end-of-central-directory record")) << e.what();
}

TEST(TorchCheckpoint, HostilePicklesGiveTypedErrors) {
  struct Case {
    std::string what, pickle;
    ErrorCode code;
    std::vector<std::string> needles;
  };
  TensorSpec past;  // 5 elements from offset 2 of a 6-element storage
  past.offset = 2;
  past.size = {5};
  past.stride = {1};
  TensorSpec negative;
  negative.offset = -1;
  TensorSpec huge;
  huge.size = {int64_t{1} << 40, int64_t{1} << 40};
  huge.stride = {int64_t{1} << 40, 1};
  TensorSpec huge_empty;  // empty, but the product of the other dimensions overflows
  huge_empty.size = {int64_t{1} << 40, int64_t{1} << 40, 0};
  huge_empty.stride = {0, 0, 1};
  TensorSpec big;
  big.size = {int64_t{1} << 31};
  big.stride = {1};
  TensorSpec rank;
  rank.stride = {1};
  TensorSpec neg_size;
  neg_size.size = {-2, 3};
  TensorSpec bad_type;
  bad_type.storage_type = "QInt8Storage";
  TensorSpec dup_b = TensorSpec{};
  const std::string eval_stack =
      "\x80\x04\x8c\x08"
      "builtins"
      "\x8c\x04"
      "eval"
      "\x93" +
      uni("1") + "\x85R.";
  std::string deep = "\x80\x02";
  for (int i = 0; i < 150; ++i) deep += "]";
  for (int i = 0; i < 149; ++i) deep += "a";
  deep += ".";
  const std::string storage_tuple =
      "(" + uni("storage") + global("torch", "FloatStorage") + uni("0") + uni("cpu") + long8(6);
  const Case cases[] = {
      {"os.system",
       "\x80\x02" + global("posix", "system") + uni("echo pwned") + "\x85R.",
       ErrorCode::kFormat,
       {"'posix.system'", "not allowed"}},
      {"os.system in a dict value",
       "\x80\x02}(" + uni("w") + global("os", "system") + uni("id") + "\x85Ru.",
       ErrorCode::kFormat,
       {"'os.system'"}},
      {"eval via STACK_GLOBAL", eval_stack, ErrorCode::kFormat, {"'builtins.eval'"}},
      {"subprocess",
       "\x80\x02" + global("subprocess", "Popen") + ".",
       ErrorCode::kFormat,
       {"'subprocess.Popen'"}},
      {"torch global outside the list",
       "\x80\x02" + global("torch", "load") + ".",
       ErrorCode::kFormat,
       {"'torch.load'"}},
      {"unknown opcode", std::string("\x80\x02\xff.", 4), ErrorCode::kFormat, {"opcode 0xFF"}},
      {"text-protocol opcode", "\x80\x02I1\n.", ErrorCode::kFormat, {"opcode 0x49 'I'"}},
      {"truncated",
       dict_pickle({TensorSpec{}}).substr(0, 50),
       ErrorCode::kFormat,
       {"truncated pickle"}},
      {"no STOP", "\x80\x02}", ErrorCode::kFormat, {"truncated pickle"}},
      {"empty", "", ErrorCode::kFormat, {"truncated pickle"}},
      {"string past the end",
       "\x80\x02X\xff\xff\xff\x7f"
       "abc.",
       ErrorCode::kFormat,
       {"runs past the end"}},
      {"memo index out of range", "\x80\x02}h\x07.", ErrorCode::kFormat, {"memo index 7"}},
      {"long memo index out of range",
       "\x80\x02}j\xff\xff\xff\xff.",
       ErrorCode::kFormat,
       {"memo index 4294967295"}},
      {"stack underflow", "\x80\x02R.", ErrorCode::kFormat, {"underflow"}},
      {"pop below a mark", "\x80\x02}(s.", ErrorCode::kFormat, {"underflow"}},
      {"deep nesting", deep, ErrorCode::kFormat, {"nest deeper than 100"}},
      {"two objects at STOP", "\x80\x02}}.", ErrorCode::kFormat, {"STOP with 2 objects"}},
      {"protocol 9", "\x80\x09}.", ErrorCode::kFormat, {"protocol 9"}},
      {"storage offset past the storage",
       dict_pickle({past}),
       ErrorCode::kFormat,
       {"'w'", "storage offset 2 + 5 elements reach past", "(6 elements)"}},
      {"negative storage offset",
       dict_pickle({negative}),
       ErrorCode::kFormat,
       {"storage offset -1"}},
      {"huge size", dict_pickle({huge}), ErrorCode::kFormat, {"'w'", "overflows"}},
      {"huge empty size", dict_pickle({huge_empty}), ErrorCode::kFormat, {"overflows"}},
      {"size larger than the storage", dict_pickle({big}), ErrorCode::kFormat, {"reach past"}},
      {"stride rank", dict_pickle({rank}), ErrorCode::kFormat, {"differ in rank"}},
      {"negative size", dict_pickle({neg_size}), ErrorCode::kFormat, {"negative size"}},
      {"quantized storage",
       dict_pickle({bad_type}),
       ErrorCode::kUnsupported,
       {"'torch.QInt8Storage'"}},
      {"key stored twice",
       dict_pickle({TensorSpec{}, dup_b}),
       ErrorCode::kFormat,
       {"'w' is stored twice"}},
      {"value not a tensor",
       "\x80\x02}(" + uni("w") + "K\x01u.",
       ErrorCode::kFormat,
       {"'w'", "not a tensor"}},
      {"key not a string",
       "\x80\x02}(K\x01" + uni("w") + "u.",
       ErrorCode::kFormat,
       {"key is not a string"}},
      {"persistent id not a storage tuple",
       "\x80\x02(" + uni("file") + "tQ.",
       ErrorCode::kFormat,
       {"persistent id"}},
      {"persistent id with a non-storage type",
       "\x80\x02((" + uni("storage") + global("collections", "OrderedDict") + uni("0") +
           uni("cpu") + long8(6) + "tQ.",
       ErrorCode::kFormat,
       {"storage type"}},
      {"negative storage size",
       "\x80\x02((" + uni("storage") + global("torch", "FloatStorage") + uni("0") + uni("cpu") +
           long8(-6) + "tQ.",
       ErrorCode::kFormat,
       {"negative storage size"}},
      {"OrderedDict with arguments",
       "\x80\x02" + global("collections", "OrderedDict") + "K\x01\x85R.",
       ErrorCode::kFormat,
       {"called with 1 arguments"}},
      {"rebuild with too few arguments",
       "\x80\x02" + global("torch._utils", "_rebuild_tensor_v2") + storage_tuple + "tQ\x85R.",
       ErrorCode::kFormat,
       {"_rebuild_tensor_v2' called with 1 arguments"}},
      {"rebuild without a storage",
       "\x80\x02" + global("torch._utils", "_rebuild_tensor") + "(K\x01K\x01))tR.",
       ErrorCode::kFormat,
       {"not a storage"}},
      {"calling a storage type",
       "\x80\x02" + global("torch", "FloatStorage") + ")R.",
       ErrorCode::kFormat,
       {"may not be called"}},
      {"BUILD on a list", "\x80\x02]}b.", ErrorCode::kFormat, {"BUILD"}},
      {"SETITEM on a list", "\x80\x02]K\x01K\x02s.", ErrorCode::kFormat, {"not a dict"}},
      {"APPENDS without MARK", "\x80\x02]e.", ErrorCode::kFormat, {"MARK"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Error e = catch_error([&] { parse(torch_zip(c.pickle), "hostile.bin"); });
    EXPECT_EQ(e.code(), c.code) << e.what();
    EXPECT_TRUE(contains(e, "hostile.bin: ")) << e.what();
    for (const std::string& n : c.needles) EXPECT_TRUE(contains(e, n)) << n << ": " << e.what();
  }
}

// A few opcodes can reference one object many times; every count has a limit.
TEST(TorchCheckpoint, PickleResourceLimits) {
  std::string refs;
  for (int i = 0; i < 900000; ++i) refs += std::string("h\0", 2);  // BINGET 0
  std::string many("\x80\x02](K\x01q\0", 8);                       // a list, MARK, 1 in memo 0
  many += refs + "e";  // APPENDS: 1 and 900000 references to it
  for (int k = 0; k < 4; ++k) many += "(" + refs + "e";
  Error items = catch_error([&] { parse(torch_zip(many + ".")); });
  EXPECT_TRUE(contains(items, "more than 4194304 elements")) << items.what();
  Error stack =
      catch_error([&] { parse(torch_zip(std::string("\x80\x02]q\0", 5) + refs + refs + ".")); });
  EXPECT_TRUE(contains(stack, "stack too deep")) << stack.what();
  Error marks =
      catch_error([&] { parse(torch_zip("\x80\x02" + std::string(1100000, '(') + ".")); });
  EXPECT_TRUE(contains(marks, "too many MARKs")) << marks.what();
  Error objects =
      catch_error([&] { parse(torch_zip("\x80\x02" + std::string(1100000, '}') + ".")); });
  EXPECT_TRUE(contains(objects, "more than 1048576 objects")) << objects.what();
}

TEST(TorchCheckpoint, HandMadeLegacyFiles) {
  TensorSpec plain;
  plain.legacy_view = "N";
  TensorSpec view = plain;  // a storage view: elements [2, 6) of storage "0", as old torch wrote
  view.key = "v";
  view.legacy_view = "(" + uni("0v") + long8(2) + long8(4) + "t";
  view.size = {2, 2};
  view.stride = {2, 1};
  view.offset = 0;
  const std::string six = f32_bytes({1, 2, 3, 4, 5, 6});
  const std::string good = legacy_file(dict_pickle({plain, view}), {"0"}, {six});
  std::vector<TensorInfo> t = parse(good);
  ASSERT_EQ(t.size(), 2u);
  float v[4];
  std::memcpy(v, t[0].data, 16);  // "v" sorts first
  EXPECT_EQ(t[0].name, "v");
  EXPECT_EQ(v[0], 3.0f);
  EXPECT_EQ(v[3], 6.0f);
  EXPECT_EQ(t[1].data + 8, t[0].data);

  TensorSpec wide = view;  // the view [2, 2 + 5) passes the 6-element storage
  wide.legacy_view = "(" + uni("0v") + long8(2) + long8(5) + "t";
  TensorSpec past = view;  // 2 x 3 elements in a 4-element view
  past.size = {2, 3};
  past.stride = {3, 1};
  struct Case {
    std::string what, bytes;
    ErrorCode code;
    std::string needle;
  };
  const std::string cut = legacy_file(dict_pickle({plain}), {"0"}, {six});
  const Case cases[] = {
      {"big-endian", legacy_file(dict_pickle({plain}), {"0"}, {six}, false),
       ErrorCode::kUnsupported, "big-endian"},
      {"wrong magic", "\x80\x02\x8a\x0a" + std::string(10, 'x') + ".", ErrorCode::kFormat,
       "legacy magic number"},
      {"view outside its storage", legacy_file(dict_pickle({wide}), {"0"}, {six}),
       ErrorCode::kFormat, "storage view [2, +5) lies outside storage '0'"},
      {"tensor outside its view", legacy_file(dict_pickle({past}), {"0"}, {six}),
       ErrorCode::kFormat, "reach past its storage '0' (4 elements)"},
      {"storage missing", legacy_file(dict_pickle({plain}), {}, {}), ErrorCode::kFormat,
       "storage '0' has no data"},
      {"key listed but unused", legacy_file(dict_pickle({plain}), {"0", "9"}, {six, six}),
       ErrorCode::kFormat, "storage '9' is listed but unused"},
      {"storage cut", cut.substr(0, cut.size() - 10), ErrorCode::kFormat,
       "runs past the end of the file"},
      {"storage of the wrong size", legacy_file(dict_pickle({plain}), {"0"}, {six + six}),
       ErrorCode::kFormat, "holds 12 elements where 6 are declared"},
      {"zip persistent id in a legacy file", legacy_file(dict_pickle({TensorSpec{}}), {"0"}, {six}),
       ErrorCode::kFormat, "persistent id"},
      {"persistent id in the keys pickle",
       legacy_file(dict_pickle({plain}), {}, {}, true, "\x80\x02(" + uni("storage") + "tQ."),
       ErrorCode::kFormat, "where no storage can be"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Error e = catch_error([&] { parse(c.bytes, "hostile.bin"); });
    EXPECT_EQ(e.code(), c.code) << e.what();
    EXPECT_TRUE(contains(e, "hostile.bin: ") && contains(e, c.needle)) << e.what();
  }
}

TEST(TorchCheckpoint, HostileZipsGiveTypedErrors) {
  const std::string pickle = dict_pickle({TensorSpec{}});
  const std::string good = torch_zip(pickle);
  ASSERT_EQ(parse(good).size(), 1u);
  struct Case {
    std::string what, bytes;
    ErrorCode code;
    std::string needle;
  };
  ZipOptions deflated;
  deflated.method = 8;
  ZipOptions far_cd;
  far_cd.cd_offset_delta = 1 << 20;
  ZipOptions wrong_local;
  wrong_local.local_offset_delta = 3;
  ZipOptions bad_crc;
  bad_crc.bad_crc = true;
  std::string cut_cd = good;
  cut_cd.erase(cut_cd.size() - 40, 10);  // a hole in the central directory
  std::string big_count = good;
  big_count[good.size() - 12] = '\x7f';  // total entries in the end record
  big_count[good.size() - 11] = '\x7f';
  const Case cases[] = {
      {"not a zip or pickle", "hello world", ErrorCode::kFormat, "not a PyTorch checkpoint"},
      {"empty zip", make_zip({}), ErrorCode::kFormat, "without PREFIX/data.pkl"},
      {"truncated zip", good.substr(0, good.size() / 2), ErrorCode::kFormat,
       "end-of-central-directory"},
      {"only a local header", good.substr(0, 30), ErrorCode::kFormat, "damaged zip"},
      {"compressed entries", torch_zip(pickle, {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}}, deflated),
       ErrorCode::kUnsupported, "compressed (method 8)"},
      {"central directory outside the file",
       torch_zip(pickle, {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}}, far_cd), ErrorCode::kFormat,
       "outside the file"},
      {"wrong local header offset",
       torch_zip(pickle, {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}}, wrong_local), ErrorCode::kFormat,
       "local header"},
      {"damaged pickle", torch_zip(pickle, {{"0", f32_bytes({1, 2, 3, 4, 5, 6})}}, bad_crc),
       ErrorCode::kFormat, "CRC"},
      {"cut central directory", cut_cd, ErrorCode::kFormat, "damaged zip"},
      {"entry count too large", big_count, ErrorCode::kFormat, "cannot fit"},
      {"missing storage", torch_zip(pickle, {}), ErrorCode::kFormat,
       "has no zip entry 'archive/data/0'"},
      {"storage smaller than declared", torch_zip(pickle, {{"0", f32_bytes({1, 2})}}),
       ErrorCode::kFormat, "declares 6 F32 elements but its entry holds 8 bytes"},
      {"big-endian",
       make_zip({{"archive/data.pkl", pickle},
                 {"archive/byteorder", "big"},
                 {"archive/data/0", f32_bytes({1, 2, 3, 4, 5, 6})}}),
       ErrorCode::kUnsupported, "big-endian"},
      {"odd byteorder",
       make_zip({{"archive/data.pkl", pickle},
                 {"archive/byteorder", "middle"},
                 {"archive/data/0", f32_bytes({1, 2, 3, 4, 5, 6})}}),
       ErrorCode::kFormat, "'middle'"},
      {"two pickles", make_zip({{"a/data.pkl", pickle}, {"b/data.pkl", pickle}}),
       ErrorCode::kFormat, "two pickles"},
      {"duplicate entries", make_zip({{"archive/data.pkl", pickle}, {"archive/data.pkl", pickle}}),
       ErrorCode::kFormat, "appears twice"},
      {"legacy magic only", std::string("\x80\x02\x8a\x0a", 4), ErrorCode::kFormat,
       "truncated pickle"},
      {"tar", std::string(257, '\0') + "ustar" + std::string(300, '\0'), ErrorCode::kUnsupported,
       "tar archive"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Error e = catch_error([&] { parse(c.bytes, "hostile.bin"); });
    EXPECT_EQ(e.code(), c.code) << e.what();
    EXPECT_TRUE(contains(e, "hostile.bin: ") && contains(e, c.needle)) << e.what();
  }
}

// Every prefix of a real file is an Error (the zip loses its end record, the legacy file its
// storages); every single-byte change gives an Error or a load whose tensors lie in the file.
void never_crashes(const std::string& path) {
  SCOPED_TRACE(path);
  const std::string bytes = read_file(path);
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    try {
      parse(bytes.substr(0, n));
      ADD_FAILURE() << "a " << n << "-byte prefix loaded";
    } catch (const Error&) {
    }
  }
  size_t loaded = 0, rejected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char x : {0x01, 0x80, 0xFF}) {
      std::string changed = bytes;
      changed[i] = static_cast<char>(changed[i] ^ x);
      try {
        const auto* base = reinterpret_cast<const uint8_t*>(changed.data());
        for (const TensorInfo& t : parse_torch_checkpoint(base, changed.size(), "flip.bin")) {
          ASSERT_GE(t.data, base);
          ASSERT_LE(t.data + t.nbytes, base + changed.size()) << t.name;
        }
        ++loaded;
      } catch (const Error&) {
        ++rejected;
      }
    }
  }
  EXPECT_GT(loaded, 0u);
  EXPECT_GT(rejected, 0u);
}

TEST(TorchCheckpoint, TruncationsAndByteFlipsNeverCrash) {
  never_crashes(torch_data("special.bin"));
  never_crashes(torch_data("special-legacy.bin"));
  // The zip's CRC rejects changed pickles; changes inside a pickle with a matching CRC reach the
  // pickle machine.
  TensorSpec second;
  second.key = "v";
  second.offset = 1;
  second.size = {5};
  second.stride = {1};
  const std::string pickle = dict_pickle({TensorSpec{}, second});
  size_t loaded = 0;
  for (size_t i = 0; i < pickle.size(); ++i) {
    for (unsigned char x : {0x01, 0x02, 0x80, 0xFF}) {
      std::string changed = pickle;
      changed[i] = static_cast<char>(changed[i] ^ x);
      try {
        parse(torch_zip(changed));
        ++loaded;
      } catch (const Error&) {
      }
    }
  }
  EXPECT_GT(loaded, 0u);
}

TEST(TorchCheckpoint, FolderPreference) {
  const std::string dir = make_temp_dir("torchpref");
  write_file(dir + "/pytorch_model.bin", read_file(torch_data("special.bin")));
  Checkpoint bin = Checkpoint::open_folder(dir);
  EXPECT_EQ(bin.source(), dir);
  EXPECT_EQ(bin.get("scalar").file, dir + "/pytorch_model.bin");
  // model.safetensors wins, as in transformers.
  write_file(dir + "/model.safetensors",
             read_file(test_data("heads/chinese-ner/model.safetensors")));
  EXPECT_FALSE(Checkpoint::open_folder(dir).has("scalar"));
  // A damaged pytorch_model.bin is a format error naming it.
  const std::string other = make_temp_dir("torchpref");
  write_file(other + "/pytorch_model.bin", "PK\x03\x04garbage");
  Error e = catch_error([&] { Checkpoint::open_folder(other); });
  EXPECT_EQ(e.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(e, other + "/pytorch_model.bin")) << e.what();
}

// A repo without safetensors: download fetches pytorch_model.bin (or its index and shards).
TEST(TorchCheckpoint, HubDownloadFetchesBinWhenThereIsNoSafetensors) {
  ::unsetenv("HF_HUB_OFFLINE");
  const std::string cache = make_temp_dir("hub-torch");
  testing::FakeHub hub;
  const std::string commit = "0123456789abcdef0123456789abcdef01234567";
  std::vector<testing::FakeRepoFile> single, sharded;
  for (const char* f : {"config.json", "vocab.txt", "tokenizer_config.json"}) {
    single.push_back({f, read_file(torch_data("ner/") + f), false});
    sharded.push_back(single.back());
  }
  single.push_back({"pytorch_model.bin", read_file(torch_data("ner/pytorch_model.bin")), true});
  single.push_back({"tf_model.h5", "not used", true});
  for (const char* f : {"pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin",
                        "pytorch_model-00002-of-00002.bin"}) {
    sharded.push_back({f, read_file(torch_data("ner-sharded/") + f), true});
  }
  hub.add_repo("acme/torch-ner", commit, single);
  hub.add_repo("acme/torch-ner-sharded", commit, sharded);
  hub::DownloadOptions o;
  o.endpoint = hub.endpoint();
  o.cache_dir = cache;
  o.max_retries = 1;
  o.retry_delay_ms = 10;
  o.progress = false;
  const std::string snap = hub::download("acme/torch-ner", o);
  EXPECT_TRUE(::access((snap + "/pytorch_model.bin").c_str(), R_OK) == 0);
  EXPECT_EQ(hub.count("", "tf_model.h5"), 0);
  expect_same_tensors(Checkpoint::open_folder(snap),
                      Checkpoint::open_file(test_data("heads/chinese-ner/model.safetensors")), 1);
  const std::string snap2 = hub::download("acme/torch-ner-sharded", o);
  const Checkpoint sh = Checkpoint::open_folder(snap2);
  EXPECT_EQ(sh.names().size(), 23u);
  EXPECT_EQ(sh.get("classifier.weight").dtype, DType::kF16);
  testing::remove_dir(cache);
}

}  // namespace
}  // namespace lightbert::formats
