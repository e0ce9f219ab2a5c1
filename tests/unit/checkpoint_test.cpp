// tests/unit/checkpoint_test.cpp: Checkpoint (folders, shards, name variants, read_f32) and the
// F16/BF16 -> float conversion. Conversions are checked against IEEE bit patterns worked out by
// hand, against numpy (tests/data/formats/numpy_halves.safetensors, written by the oracle's
// safetensors writer; see make_numpy_fixture.py) and, for all 65536 F16 patterns, against the
// CPU's F16C instruction when the machine has it.
#include "formats/checkpoint.h"

#include <gtest/gtest.h>
#include <immintrin.h>
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "lightbert/error.h"
#include "support/test_paths.h"

namespace lightbert::formats {
namespace {

using testing::make_temp_dir;
using testing::write_file;

struct RawTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

// Writes a safetensors file; `pad` extra header spaces shift (and so misalign) the data.
void write_safetensors(const std::string& path, const std::map<std::string, RawTensor>& tensors,
                       size_t pad = 0) {
  std::string header = "{", data;
  for (const auto& [name, t] : tensors) {
    std::string shape;
    for (int64_t d : t.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    header += (header.size() > 1 ? "," : "") +
              ("\"" + name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[" + shape +
               "],\"data_offsets\":[" + std::to_string(data.size()) + "," +
               std::to_string(data.size() + t.bytes.size()) + "]}");
    data += t.bytes;
  }
  header += "}" + std::string(pad, ' ');
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  write_file(path, file + header + data);
}

std::string f32_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

std::string u16_bytes(const std::vector<uint16_t>& v) {
  std::string s;
  for (uint16_t x : v) s += {static_cast<char>(x & 0xFF), static_cast<char>(x >> 8)};
  return s;
}

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
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

TEST(Checkpoint, OpensSingleFileFolderAndReadsF32) {
  std::string dir = make_temp_dir("ckpt");
  write_safetensors(
      dir + "/model.safetensors",
      {{"embeddings.word_embeddings.weight", {"F32", {2, 3}, f32_bytes({1, 2, 3, 4, 5, 6})}},
       {"embeddings.position_ids", {"I64", {1, 2}, std::string(16, '\0')}}});
  Checkpoint c = Checkpoint::open_folder(dir);
  EXPECT_EQ(c.source(), dir);
  EXPECT_EQ(c.names().size(), 2u);
  EXPECT_TRUE(c.has("embeddings.word_embeddings.weight"));
  EXPECT_FALSE(c.has("pooler.dense.weight"));
  EXPECT_EQ(c.read_f32("embeddings.word_embeddings.weight", {2, 3}),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const TensorInfo& t = c.get("embeddings.word_embeddings.weight");
  EXPECT_EQ(t.file, dir + "/model.safetensors");

  Error shape = catch_error([&] { c.read_f32("embeddings.word_embeddings.weight", {3, 2}); });
  EXPECT_EQ(shape.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(shape, "'embeddings.word_embeddings.weight'")) << shape.what();
  EXPECT_TRUE(contains(shape, "[2, 3]") && contains(shape, "[3, 2]")) << shape.what();

  Error dtype = catch_error([&] { c.read_f32("embeddings.position_ids", {1, 2}); });
  EXPECT_EQ(dtype.code(), ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(dtype, "'embeddings.position_ids'") && contains(dtype, "I64"))
      << dtype.what();

  Error missing = catch_error([&] { c.get("pooler.dense.weight"); });
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(missing, "'pooler.dense.weight'") && contains(missing, dir))
      << missing.what();
  // A moved Checkpoint keeps its mapping.
  Checkpoint moved = std::move(c);
  EXPECT_EQ(moved.read_f32("embeddings.word_embeddings.weight", {2, 3})[5], 6.0f);
}

TEST(Checkpoint, ResolvesPrefixAndGammaBeta) {
  std::string dir = make_temp_dir("ckpt");
  write_safetensors(dir + "/model.safetensors",
                    {{"bert.embeddings.LayerNorm.gamma", {"F32", {2}, f32_bytes({1, 2})}},
                     {"bert.embeddings.LayerNorm.beta", {"F32", {2}, f32_bytes({3, 4})}},
                     {"bert.encoder.layer.0.output.LayerNorm.weight", {"F32", {1}, f32_bytes({5})}},
                     {"pooler.dense.bias", {"F32", {1}, f32_bytes({6})}},
                     {"bert.pooler.dense.bias", {"F32", {1}, f32_bytes({7})}},
                     {"cls.predictions.bias", {"F32", {1}, f32_bytes({8})}}});
  Checkpoint c = Checkpoint::open_folder(dir);
  EXPECT_EQ(c.read_f32("embeddings.LayerNorm.weight", {2}), (std::vector<float>{1, 2}));
  EXPECT_EQ(c.read_f32("embeddings.LayerNorm.bias", {2}), (std::vector<float>{3, 4}));
  EXPECT_EQ(c.get("embeddings.LayerNorm.weight").name, "bert.embeddings.LayerNorm.gamma");
  EXPECT_EQ(c.read_f32("encoder.layer.0.output.LayerNorm.weight", {1})[0], 5.0f);
  EXPECT_EQ(c.read_f32("pooler.dense.bias", {1})[0], 6.0f);  // "" is tried before "bert."
  EXPECT_FALSE(c.has("LayerNorm.gamma"));
  c.set_prefixes({"bert."});
  EXPECT_EQ(c.read_f32("pooler.dense.bias", {1})[0], 7.0f);
  c.set_prefixes({"cls."});
  EXPECT_EQ(c.read_f32("predictions.bias", {1})[0], 8.0f);
  EXPECT_FALSE(c.has("pooler.dense.bias"));
  Error e = catch_error([&] { c.get("pooler.dense.bias"); });
  EXPECT_TRUE(contains(e, "'cls.pooler.dense.bias'")) << e.what();
}

TEST(Checkpoint, ConvertsKnownHalfBitPatterns) {
  struct Case {
    uint16_t bits;
    float value;
  };
  const float inf = std::numeric_limits<float>::infinity();
  const Case f16[] = {{0x3C00, 1.0f},
                      {0xBC00, -1.0f},
                      {0x7BFF, 65504.0f},
                      {0x0001, std::ldexp(1.0f, -24)},
                      {0x03FF, std::ldexp(1023.0f, -24)},
                      {0x0400, std::ldexp(1.0f, -14)},
                      {0x0200, std::ldexp(1.0f, -15)},
                      {0x3555, 0.333251953125f},
                      {0xC000, -2.0f},
                      {0x7C00, inf},
                      {0xFC00, -inf},
                      {0x0000, 0.0f}};
  for (const Case& c : f16) {
    EXPECT_EQ(bits_of(half_to_float(c.bits)), bits_of(c.value)) << std::hex << c.bits;
  }
  EXPECT_EQ(bits_of(half_to_float(0x8000)), 0x80000000u);  // -0
  EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
  EXPECT_EQ(bits_of(half_to_float(0x7E00)), 0x7FC00000u);  // quiet NaN, payload kept
  EXPECT_EQ(bits_of(half_to_float(0xFC01)), 0xFF802000u);  // signalling NaN payload kept
  const Case bf16[] = {{0x3F80, 1.0f},
                       {0xC000, -2.0f},
                       {0x4049, 3.140625f},
                       {0x7F80, inf},
                       {0xFF80, -inf},
                       {0x0001, std::ldexp(1.0f, -133)},
                       {0x7F7F, 3.3895313892515355e38f}};
  for (const Case& c : bf16) {
    EXPECT_EQ(bits_of(bf16_to_float(c.bits)), bits_of(c.value)) << std::hex << c.bits;
  }
  EXPECT_TRUE(std::isnan(bf16_to_float(0x7FC0)));

  // Through a file whose data starts at an odd address (header length 8 + 3 pad + ...).
  std::string dir = make_temp_dir("ckpt");
  write_safetensors(dir + "/model.safetensors",
                    {{"h", {"F16", {3}, u16_bytes({0x3C00, 0x0001, 0xFC00})}},
                     {"b", {"BF16", {2}, u16_bytes({0x3F80, 0x4049})}},
                     {"f", {"F32", {1}, f32_bytes({0.1f})}}},
                    3);
  Checkpoint c = Checkpoint::open_folder(dir);
  EXPECT_NE(reinterpret_cast<uintptr_t>(c.get("f").data) % 4, 0u) << "test must misalign data";
  EXPECT_EQ(c.read_f32("h", {3}), (std::vector<float>{1.0f, std::ldexp(1.0f, -24), -inf}));
  EXPECT_EQ(c.read_f32("b", {2}), (std::vector<float>{1.0f, 3.140625f}));
  EXPECT_EQ(c.read_f32("f", {1})[0], 0.1f);
}

TEST(Checkpoint, HalvesMatchNumpy) {
  Checkpoint c = Checkpoint::open_file(testing::test_data("formats/numpy_halves.safetensors"));
  const TensorInfo& h = c.get("f16");
  ASSERT_EQ(h.dtype, DType::kF16);
  std::vector<float> got = c.read_f32("f16", h.shape);
  std::vector<float> want = c.read_f32("f16_f32", h.shape);
  ASSERT_EQ(got.size(), 512u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(bits_of(got[i]), bits_of(want[i])) << "element " << i;
  }
  // BF16: numpy's bits are stored as I32; build a BF16 file from them and read it back.
  const TensorInfo& bits = c.get("bf16_bits");
  std::vector<uint16_t> bf(static_cast<size_t>(bits.numel()));
  for (size_t i = 0; i < bf.size(); ++i) {
    int32_t v;
    std::memcpy(&v, bits.data + 4 * i, 4);
    bf[i] = static_cast<uint16_t>(v);
  }
  std::string dir = make_temp_dir("ckpt");
  write_safetensors(dir + "/model.safetensors",
                    {{"b", {"BF16", {static_cast<int64_t>(bf.size())}, u16_bytes(bf)}}}, 1);
  std::vector<float> bgot = Checkpoint::open_folder(dir).read_f32("b", bits.shape);
  std::vector<float> bwant = c.read_f32("bf16_f32", bits.shape);
  for (size_t i = 0; i < bgot.size(); ++i) {
    EXPECT_EQ(bits_of(bgot[i]), bits_of(bwant[i])) << "element " << i;
  }
}

__attribute__((target("f16c"))) float f16c_convert(uint16_t h) {
  return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

TEST(Checkpoint, AllHalvesMatchF16C) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "CPU without F16C";
  int mismatches = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    uint32_t want = bits_of(f16c_convert(static_cast<uint16_t>(h)));
    // F16C quiets signalling NaNs (sets the top mantissa bit); otherwise it must agree exactly.
    uint32_t got = bits_of(half_to_float(static_cast<uint16_t>(h)));
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) got |= 0x00400000u;
    if (got != want && ++mismatches < 5) ADD_FAILURE() << std::hex << "0x" << h;
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Checkpoint, OpensShardedFolder) {
  std::string dir = make_temp_dir("ckpt");
  write_safetensors(dir + "/model-00001-of-00002.safetensors",
                    {{"bert.embeddings.word_embeddings.weight", {"F32", {2}, f32_bytes({1, 2})}}});
  write_safetensors(dir + "/model-00002-of-00002.safetensors",
                    {{"bert.pooler.dense.weight", {"F16", {1}, u16_bytes({0x4000})}},
                     {"extra", {"U8", {1}, "x"}}});
  const std::string index =
      R"({"metadata":{"total_size":14},"weight_map":{)"
      R"("bert.embeddings.word_embeddings.weight":"model-00001-of-00002.safetensors",)"
      R"("bert.pooler.dense.weight":"model-00002-of-00002.safetensors"}})";
  write_file(dir + "/model.safetensors.index.json", index);
  Checkpoint c = Checkpoint::open_folder(dir);
  EXPECT_EQ(c.read_f32("embeddings.word_embeddings.weight", {2}), (std::vector<float>{1, 2}));
  EXPECT_EQ(c.read_f32("pooler.dense.weight", {1}), (std::vector<float>{2}));
  EXPECT_NE(c.get("pooler.dense.weight").file.find("00002"), std::string::npos);
  EXPECT_EQ(c.names().size(), 3u);

  // A shard that lacks a tensor the index assigns to it.
  write_file(dir + "/model.safetensors.index.json",
             R"({"weight_map":{"bert.pooler.dense.weight":"model-00001-of-00002.safetensors"}})");
  Error wrong = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(wrong.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(wrong, "'bert.pooler.dense.weight'") &&
              contains(wrong, "model-00001-of-00002.safetensors") && contains(wrong, "index.json"))
      << wrong.what();

  // A listed shard that does not exist.
  write_file(dir + "/model.safetensors.index.json",
             R"({"weight_map":{"a":"model-00001-of-00002.safetensors","b":"gone.safetensors"}})");
  Error gone = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(gone.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(gone, "'gone.safetensors'") && contains(gone, "'b'")) << gone.what();

  // The same tensor stored in two shards.
  write_safetensors(dir + "/dup.safetensors",
                    {{"bert.pooler.dense.weight", {"F32", {1}, f32_bytes({9})}}});
  write_file(dir + "/model.safetensors.index.json",
             R"({"weight_map":{"bert.pooler.dense.weight":"dup.safetensors",)"
             R"("extra":"model-00002-of-00002.safetensors"}})");
  Error dup = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(dup.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(dup, "'bert.pooler.dense.weight'") && contains(dup, "both")) << dup.what();

  // Malformed index files.
  const std::pair<std::string, std::string> bad[] = {
      {"{\"weight_map\":", "not valid"},
      {"[1]", "must be a JSON object"},
      {"{\"metadata\":{}}", "missing field 'weight_map'"},
      {"{\"weight_map\":[]}", "'weight_map' must be an object"},
      {"{\"weight_map\":{}}", "'weight_map' is empty"},
      {"{\"weight_map\":{\"a\":3}}", "'a' must be a file name"},
      {"{\"weight_map\":{\"a\":\"../model.safetensors\"}}", "not a file inside the folder"},
      {"{\"weight_map\":{\"a\":\"/etc/passwd\"}}", "not a file inside the folder"},
      {"{\"weight_map\":{\"a\":\"sub/../../x.safetensors\"}}", "not a file inside the folder"},
      {"{\"weight_map\":{\"a\":\"\"}}", "not a file inside the folder"},
  };
  for (const auto& [text, needle] : bad) {
    write_file(dir + "/model.safetensors.index.json", text);
    Error e = catch_error([&] { Checkpoint::open_folder(dir); });
    EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.what();
    EXPECT_TRUE(contains(e, needle) && contains(e, "model.safetensors.index.json")) << e.what();
  }
  // Shards may sit in a subfolder; "model..safetensors"-like names are plain names.
  write_file(dir + "/model.safetensors.index.json",
             R"({"weight_map":{"bert.embeddings.word_embeddings.weight":"sub/a..safetensors"}})");
  ASSERT_EQ(::mkdir((dir + "/sub").c_str(), 0755), 0);
  write_safetensors(dir + "/sub/a..safetensors",
                    {{"bert.embeddings.word_embeddings.weight", {"F32", {1}, f32_bytes({3})}}});
  EXPECT_EQ(Checkpoint::open_folder(dir).read_f32("embeddings.word_embeddings.weight", {1})[0], 3);
  // A damaged shard is reported with the shard's name.
  write_file(dir + "/model-00002-of-00002.safetensors", "garbage");
  write_file(dir + "/model.safetensors.index.json",
             R"({"weight_map":{"a":"model-00002-of-00002.safetensors"}})");
  Error shard = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(shard.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(shard, "model-00002-of-00002.safetensors")) << shard.what();
}

TEST(Checkpoint, ExplainsMissingOrUnsupportedFiles) {
  std::string dir = make_temp_dir("ckpt");
  Error empty = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(empty.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(empty, dir) && contains(empty, "model.safetensors")) << empty.what();

  Error nodir = catch_error([&] { Checkpoint::open_folder(dir + "/nope"); });
  EXPECT_EQ(nodir.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(nodir, dir + "/nope")) << nodir.what();

  write_file(dir + "/tf_model.h5", "HDF");
  Error tf = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(tf.code(), ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(tf, "tf_model.h5") &&
              contains(tf, "model.safetensors and pytorch_model.bin") &&
              contains(tf, "save_pretrained"))
      << tf.what();

  // pytorch_model.bin is read (torch_checkpoint_test.cpp); a damaged one is a format error.
  write_file(dir + "/pytorch_model.bin", "PK");
  Error bin = catch_error([&] { Checkpoint::open_folder(dir); });
  EXPECT_EQ(bin.code(), ErrorCode::kFormat);
  EXPECT_TRUE(contains(bin, dir + "/pytorch_model.bin")) << bin.what();

  // model.safetensors wins over the index and other formats.
  write_safetensors(dir + "/model.safetensors", {{"a", {"F32", {1}, f32_bytes({1})}}});
  write_file(dir + "/model.safetensors.index.json", "broken");
  EXPECT_TRUE(Checkpoint::open_folder(dir).has("a"));

  Error io = catch_error([&] { Checkpoint::open_file(dir + "/missing.safetensors"); });
  EXPECT_EQ(io.code(), ErrorCode::kIo);
  EXPECT_TRUE(contains(io, "missing.safetensors")) << io.what();
}

}  // namespace
}  // namespace lightbert::formats
