// tests/unit/safetensors_test.cpp: the safetensors reader and MappedFile.
// Files are built byte by byte here (u64-LE length, JSON header, data), so every validation
// path is exercised on a file whose fault is known; each must throw lightbert::Error(kFormat)
// naming the file and the tensor or field. A seeded mutation test checks that damaged files
// either parse into tensors that lie inside the buffer or throw lightbert::Error, nothing else.
#include "formats/safetensors.h"

#include "formats/checkpoint.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lightbert/error.h"
#include "runtime/mapped_file.h"
#include "support/test_paths.h"

namespace lightbert::formats {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes u64le(uint64_t n) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(n >> (8 * i));
  return b;
}

// A safetensors image: length prefix, header text, data bytes.
Bytes make_file(const std::string& header, const Bytes& data = {}) {
  Bytes out(8 + header.size() + data.size());
  Bytes prefix = u64le(header.size());
  std::copy(prefix.begin(), prefix.end(), out.begin());
  std::copy(header.begin(), header.end(), out.begin() + 8);
  std::copy(data.begin(), data.end(), out.begin() + 8 + header.size());
  return out;
}

// Parsed content plus the buffer its data pointers point into.
struct Parsed : SafetensorsContent {
  std::shared_ptr<uint8_t[]> buffer;
};

Parsed parse(const Bytes& bytes) {
  // An exact-size heap copy, so ASan sees any read past the end.
  Parsed p;
  p.buffer.reset(new uint8_t[bytes.size()]);
  if (!bytes.empty()) std::memcpy(p.buffer.get(), bytes.data(), bytes.size());
  static_cast<SafetensorsContent&>(p) =
      parse_safetensors(bytes.empty() ? nullptr : p.buffer.get(), bytes.size(), "t.safetensors");
  return p;
}

// Parses and expects kFormat whose message names the file and contains every `needle`.
void expect_format_error(const Bytes& bytes, const std::vector<std::string>& needles) {
  try {
    parse(bytes);
    ADD_FAILURE() << "no error; expected one mentioning " << needles.front();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat) << e.what();
    std::string msg = e.what();
    EXPECT_NE(msg.find("t.safetensors"), std::string::npos) << msg;
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << n << " in " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// One tensor entry with the given fields (raw JSON), as a header.
std::string one(const std::string& fields) {
  return "{\"w\":{" + fields + "}}";
}

TEST(Safetensors, ParsesValidFile) {
  Bytes data(4 * 6 + 3);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  Bytes f = make_file(R"({"b":{"dtype":"I8","shape":[3],"data_offsets":[24,27]},)"
                      R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                      R"("__metadata__":{"format":"pt"}})",
                      data);
  Parsed c = parse(f);
  ASSERT_EQ(c.tensors.size(), 2u);
  EXPECT_EQ(c.tensors[0].name, "a");
  EXPECT_EQ(c.tensors[0].dtype, DType::kF32);
  EXPECT_EQ(c.tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(c.tensors[0].numel(), 6);
  EXPECT_EQ(c.tensors[0].nbytes, 24u);
  EXPECT_EQ(c.tensors[0].file, "t.safetensors");
  EXPECT_EQ(c.tensors[1].name, "b");
  EXPECT_EQ(c.tensors[1].dtype, DType::kI8);
  EXPECT_EQ(c.tensors[1].nbytes, 3u);
  EXPECT_EQ(c.tensors[1].data[0], 24);  // data offsets count from the byte after the header
  EXPECT_EQ(c.tensors[1].data - c.tensors[0].data, 24);
  EXPECT_EQ(c.metadata.at("format"), "pt");
}

TEST(Safetensors, AllDtypesAndSpecialShapes) {
  const char* names[] = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"};
  const size_t sizes[] = {8, 4, 2, 2, 8, 4, 2, 1, 1, 1};
  for (int i = 0; i < 10; ++i) {
    std::string n = std::to_string(2 * sizes[i]);
    Parsed c = parse(make_file(one(std::string("\"dtype\":\"") + names[i] +
                                   "\",\"shape\":[2],\"data_offsets\":[0," + n + "]"),
                               Bytes(2 * sizes[i])));
    ASSERT_EQ(c.tensors.size(), 1u);
    EXPECT_STREQ(dtype_name(c.tensors[0].dtype), names[i]);
    EXPECT_EQ(dtype_size(c.tensors[0].dtype), sizes[i]);
  }
  // A scalar (shape []) holds one element; a zero dimension makes any shape empty, even when the
  // other dimensions alone would overflow; empty tensors may share an offset.
  Parsed c = parse(
      make_file(R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                R"("e":{"dtype":"F32","shape":[0,9223372036854775807,4],"data_offsets":[4,4]},)"
                R"("e2":{"dtype":"I64","shape":[0],"data_offsets":[4,4]}})",
                Bytes(4)));
  ASSERT_EQ(c.tensors.size(), 3u);
  EXPECT_EQ(c.tensors[2].numel(), 1);  // "s" sorts last
  EXPECT_EQ(c.tensors[0].nbytes, 0u);
  EXPECT_EQ(parse(make_file("{}")).tensors.size(), 0u);
  EXPECT_EQ(parse(make_file("  {\"__metadata__\":null}  ")).tensors.size(), 0u);
}

TEST(Safetensors, RejectsBadLengthPrefix) {
  expect_format_error({}, {"8-byte"});
  expect_format_error(Bytes(7, 0), {"7 bytes"});
  expect_format_error(u64le(3), {"exceeds the file (8 bytes)"});
  Bytes too_long = make_file("{}");
  too_long[0] = 3;  // header claims 3 bytes, file has 2 after the prefix
  expect_format_error(too_long, {"header length 3", "exceeds"});
  expect_format_error(u64le(100000001), {"100 MB"});
  expect_format_error(u64le(~0ull), {"100 MB"});
}

TEST(Safetensors, RejectsBadJson) {
  expect_format_error(make_file("{\"w\":"), {"JSON"});
  expect_format_error(make_file("{\"w\":{}} trailing"), {"JSON"});
  expect_format_error(make_file(std::string("{\"\xff\xfe\":{}}")), {"UTF-8"});
  expect_format_error(make_file(std::string("{\"w\xc3\":{}}")), {"JSON"});
  expect_format_error(make_file(std::string("{\"a\":{}}\0\xff", 10)), {"JSON", "NUL"});
  expect_format_error(make_file("[]"), {"must be a JSON object", "[]"});
  expect_format_error(make_file("7"), {"must be a JSON object"});
  expect_format_error(make_file("{\"a\":{\"b\":{\"c\":{}}}}"), {"nests deeper"});
  expect_format_error(make_file("{\"w\":{\"shape\":[[1]]}}"), {"nests deeper"});
  expect_format_error(make_file("{\"w\":{},\"w\":{}}"), {"repeats the key 'w'"});
  expect_format_error(make_file(one("\"dtype\":\"F32\",\"dtype\":\"I8\"")), {"repeats", "dtype"});
  std::string long_shape = "[";
  for (int i = 0; i < 2000; ++i) long_shape += "1,";
  long_shape += "1]";
  expect_format_error(make_file(one("\"shape\":" + long_shape)), {"array longer than"});
}

TEST(Safetensors, RejectsBadEntries) {
  const std::string ok_shape = "\"shape\":[2],\"data_offsets\":[0,8]";
  const Bytes d(8);
  expect_format_error(make_file("{\"w\":3}", d), {"'w'", "must be an object"});
  expect_format_error(make_file(one(ok_shape), d), {"'w'", "missing field 'dtype'"});
  expect_format_error(make_file(one("\"dtype\":\"F32\",\"data_offsets\":[0,8]"), d),
                      {"'w'", "missing field 'shape'"});
  expect_format_error(make_file(one("\"dtype\":\"F32\",\"shape\":[2]"), d),
                      {"'w'", "missing field 'data_offsets'"});
  expect_format_error(make_file(one("\"dtype\":4," + ok_shape), d), {"'w'", "'dtype'", "string"});
  expect_format_error(make_file(one("\"dtype\":\"F8\"," + ok_shape), d),
                      {"'w'", "unknown dtype \"F8\""});
  expect_format_error(make_file(one("\"dtype\":\"f32\"," + ok_shape), d), {"unknown dtype"});
  expect_format_error(make_file("{\"__metadata__\":[1]}"), {"'__metadata__'", "object"});
  expect_format_error(make_file("{\"__metadata__\":{\"k\":3}}"), {"'k'", "string"});
}

TEST(Safetensors, RejectsBadShapes) {
  auto with_shape = [](const std::string& shape, const std::string& offsets = "[0,8]") {
    return make_file(one("\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":" + offsets),
                     Bytes(8));
  };
  expect_format_error(with_shape("2"), {"'w'", "'shape' must be an array"});
  expect_format_error(with_shape("[-2]"), {"'w'", "non-negative integers", "-2"});
  expect_format_error(with_shape("[2.0]"), {"'w'", "non-negative integers"});
  expect_format_error(with_shape("[\"2\"]"), {"'w'", "non-negative integers"});
  expect_format_error(with_shape("[null]"), {"'w'", "non-negative integers"});
  expect_format_error(with_shape("[9223372036854775808]"), {"'w'", "too large"});
  expect_format_error(with_shape("[18446744073709551616]"), {"'w'", "non-negative integers"});
  expect_format_error(with_shape("[4294967296,4294967296]"), {"'w'", "overflows"});
  expect_format_error(with_shape("[4611686018427387904]"), {"'w'", "overflows"});  // 2^62 x 4
  expect_format_error(with_shape("[2305843009213693952]"), {"'w'", "9223372036854775808 bytes"});
  expect_format_error(with_shape("[3]"), {"'w'", "[3] x F32 is 12 bytes", "hold 8"});
  expect_format_error(with_shape("[1]"), {"'w'", "4 bytes", "hold 8"});
}

TEST(Safetensors, RejectsBadOffsets) {
  auto with_offsets = [](const std::string& offsets, size_t data = 8) {
    return make_file(one("\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":" + offsets),
                     Bytes(data));
  };
  expect_format_error(with_offsets("[0]"), {"'w'", "[begin, end]"});
  expect_format_error(with_offsets("[0,4,8]"), {"'w'", "[begin, end]"});
  expect_format_error(with_offsets("{\"a\":0}"), {"'w'", "[begin, end]"});
  expect_format_error(with_offsets("[-1,3]"), {"'w'", "[begin, end]"});
  expect_format_error(with_offsets("[\"0\",4]"), {"'w'", "[begin, end]"});
  expect_format_error(with_offsets("[0.0,4]"), {"'w'", "[begin, end]"});
  expect_format_error(with_offsets("[8,4]"), {"'w'", "begin > end"});
  expect_format_error(with_offsets("[6,10]"), {"'w'", "past the data region (8 bytes)"});
  expect_format_error(with_offsets("[18446744073709551612,18446744073709551615]"),
                      {"'w'", "past the data region"});
  expect_format_error(with_offsets("[0,4]", 3), {"'w'", "past the data region (3 bytes)"});
  EXPECT_NO_THROW(parse(with_offsets("[4,8]")));  // gaps before a tensor are tolerated
}

TEST(Safetensors, RejectsOverlaps) {
  auto two = [](const std::string& a, const std::string& b) {
    return make_file("{\"x\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":" + a +
                         "},\"y\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":" + b + "}}",
                     Bytes(16));
  };
  expect_format_error(two("[0,4]", "[3,7]"), {"'x'", "'y'", "overlap"});
  expect_format_error(two("[4,8]", "[4,8]"), {"'x'", "'y'", "overlap"});
  expect_format_error(two("[5,9]", "[2,6]"), {"'y'", "'x'", "overlap"});
  EXPECT_NO_THROW(parse(two("[4,8]", "[0,4]")));
  EXPECT_NO_THROW(parse(two("[0,4]", "[12,16]")));
  // A tensor nested inside a larger one is an overlap too.
  expect_format_error(make_file(R"({"big":{"dtype":"U8","shape":[12],"data_offsets":[0,12]},)"
                                R"("in1":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)"
                                R"("in2":{"dtype":"U8","shape":[2],"data_offsets":[8,10]}})",
                                Bytes(12)),
                      {"'big'", "'in1'", "overlap"});
}

TEST(MappedFile, MapsFilesAndNamesPathOnError) {
  std::string dir = testing::make_temp_dir("mapped");
  testing::write_file(dir + "/a.bin", "hello");
  testing::write_file(dir + "/empty.bin", "");
  runtime::MappedFile a(dir + "/a.bin");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(std::memcmp(a.data(), "hello", 5), 0);
  runtime::MappedFile moved(std::move(a));
  EXPECT_EQ(moved.size(), 5u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(a.data(), nullptr);
  runtime::MappedFile e(dir + "/empty.bin");
  EXPECT_EQ(e.size(), 0u);
  EXPECT_EQ(e.data(), nullptr);
  e = std::move(moved);
  EXPECT_EQ(e.size(), 5u);
  // A FIFO must be refused at once, not block waiting for a writer.
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  for (const std::string& bad : {dir + "/missing.bin", dir, dir + "/fifo"}) {
    try {
      runtime::MappedFile m(bad);
      ADD_FAILURE() << "no error for " << bad;
    } catch (const Error& err) {
      EXPECT_EQ(err.code(), ErrorCode::kIo);
      EXPECT_NE(std::string(err.what()).find(bad), std::string::npos) << err.what();
    }
  }
  // An empty .safetensors file is a format error naming it, not a crash.
  try {
    open_safetensors(dir + "/empty.bin");
    ADD_FAILURE();
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(err.what()).find("empty.bin"), std::string::npos);
  }
}

// Damaged copies of a valid file: each parse succeeds with every tensor inside the buffer, or
// throws lightbert::Error. Any other exception, a crash, or (under ASan) a stray read fails.
TEST(Safetensors, SurvivesRandomDamage) {
  Bytes data(64);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  const Bytes valid = make_file(
      R"({"embeddings.word_embeddings.weight":{"dtype":"F32","shape":[2,4],"data_offsets":[0,32]},)"
      R"("h":{"dtype":"F16","shape":[4],"data_offsets":[32,40]},)"
      R"("b":{"dtype":"BF16","shape":[2,2],"data_offsets":[40,48]},)"
      R"("i":{"dtype":"I64","shape":[2],"data_offsets":[48,64]},)"
      R"("__metadata__":{"format":"pt"}})",
      data);
  ASSERT_EQ(parse(valid).tensors.size(), 4u);
  std::mt19937_64 rng(12345);
  int ok = 0, rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes f = valid;
    switch (rng() % 5) {
      case 0:  // flip a few bits anywhere
        for (int k = 1 + rng() % 4; k > 0; --k) f[rng() % f.size()] ^= 1u << (rng() % 8);
        break;
      case 1:  // truncate
        f.resize(rng() % f.size());
        break;
      case 2:  // overwrite a byte of the header text with a JSON-significant character
        f[8 + rng() % (f.size() - 8 - data.size())] = "{}[]\",:0123456789-e. \\"[rng() % 22];
        break;
      case 3:  // change the length prefix slightly
        f[0] = static_cast<uint8_t>(f[0] + static_cast<int>(rng() % 9) - 4);
        break;
      default:  // replace a digit of the header with another digit
        for (int k = 0; k < 100; ++k) {
          size_t p = 8 + rng() % (f.size() - 8 - data.size());
          if (f[p] >= '0' && f[p] <= '9') {
            f[p] = static_cast<uint8_t>('0' + rng() % 10);
            break;
          }
        }
    }
    try {
      std::unique_ptr<uint8_t[]> copy(new uint8_t[f.size()]);
      if (!f.empty()) std::memcpy(copy.get(), f.data(), f.size());
      SafetensorsContent c = parse_safetensors(copy.get(), f.size(), "fuzz.safetensors");
      for (const TensorInfo& t : c.tensors) {
        ASSERT_GE(t.data, copy.get());
        ASSERT_LE(t.data + t.nbytes, copy.get() + f.size());
        ASSERT_EQ(static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype), t.nbytes);
      }
      ++ok;
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::kFormat) << e.what();
      ++rejected;
    }
  }
  EXPECT_GT(ok, 100);  // the mutations are not all fatal: the accept path is exercised too
  EXPECT_GT(rejected, 1000);
}

// The same through files, Checkpoint::open_file and read_f32 of every float tensor.
TEST(Safetensors, SurvivesRandomDamageThroughCheckpoint) {
  Bytes data(40);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13 + 1);
  const Bytes valid = make_file(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
                                R"("h":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},)"
                                R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},)"
                                R"("u":{"dtype":"U8","shape":[8],"data_offsets":[32,40]}})",
                                data);
  const std::string path = testing::make_temp_dir("fuzz") + "/model.safetensors";
  std::mt19937_64 rng(777);
  int read = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    Bytes f = valid;
    if (rng() % 2) {
      for (int k = 1 + rng() % 3; k > 0; --k) f[rng() % f.size()] ^= 1u << (rng() % 8);
    } else {
      f.resize(rng() % f.size());
    }
    testing::write_file(path, std::string(f.begin(), f.end()));
    try {
      Checkpoint c = Checkpoint::open_file(path);
      for (const std::string& name : c.names()) {
        const TensorInfo& t = c.get(name);
        try {
          std::vector<float> v = c.read_f32(name, t.shape);
          ASSERT_EQ(v.size(), static_cast<size_t>(t.numel()));
          ++read;
        } catch (const Error& e) {
          ASSERT_EQ(e.code(), ErrorCode::kUnsupported) << e.what();
        }
      }
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::kFormat) << e.what();
    }
  }
  EXPECT_GT(read, 100);
}

}  // namespace
}  // namespace lightbert::formats
