// tests/unit/quant_packed_test.cpp: PackedWeights in fp32 / bf16 / int8 (kernels/packed_weights.h)
// and the scalar quantisation rules (quant/quantize.h): layouts element by element against the
// contract's index formula, the bf16 / int8 rules against hand-worked values, and the
// serialisation API (for_each_array + borrow_packed) round trip, including the errors it throws.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/packed_weights.h"
#include "lightbert/error.h"
#include "quant/quantize.h"

namespace lightbert::kernels {
namespace {

std::vector<float> random_weights(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.5f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

size_t index_of(const PackedWeights& p, int64_t i, int64_t j) {
  return static_cast<size_t>((j / p.nr) * p.k_padded() * p.nr + (i / p.kgroup) * p.nr * p.kgroup +
                             (j % p.nr) * p.kgroup + i % p.kgroup);
}

TEST(QuantRules, Bf16RoundsToNearestEven) {
  EXPECT_EQ(quant::float_to_bf16(1.0f), 0x3f80);
  // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties to even (1.0).
  EXPECT_EQ(quant::float_to_bf16(1.00390625f), 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1.0078125 (odd mantissa) and 1.015625: rounds up.
  EXPECT_EQ(quant::float_to_bf16(1.01171875f), 0x3f82);
  EXPECT_EQ(quant::float_to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(quant::bf16_to_float(0x3f81), 1.0078125f);
  EXPECT_TRUE(std::isnan(quant::bf16_to_float(quant::float_to_bf16(std::nanf("")))));
  EXPECT_EQ(quant::float_to_bf16(INFINITY), 0x7f80);
}

TEST(QuantRules, Int8WeightsAreSymmetricPerRow) {
  const float w[5] = {0.5f, -1.27f, 0.0f, 0.006f, 0.004f};
  int8_t q[5];
  const float scale = quant::quantize_weight_row_s8(w, 5, q);
  EXPECT_FLOAT_EQ(scale, 0.01f);
  EXPECT_EQ(q[0], 50);
  EXPECT_EQ(q[1], -127);
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[3], 1);
  EXPECT_EQ(q[4], 0);
  const float zeros[3] = {0, 0, 0};
  EXPECT_EQ(quant::quantize_weight_row_s8(zeros, 3, q), 1.0f);
  EXPECT_EQ(q[0], 0);
  EXPECT_EQ(quant::quantize_weight_row_s8(w, 5, q, 63), 1.27f / 63.0f);  // 7-bit codes
  EXPECT_EQ(q[1], -63);
  EXPECT_EQ(q[0], 25);  // 0.5 / (1.27 / 63) = 24.8
}

TEST(QuantRules, U8ActivationsFollowDynamicQuantizeLinear) {
  const float x[4] = {-1.0f, 0.0f, 2.0f, 0.5f};
  uint8_t q[4];
  float scale;
  int32_t zero;
  quant::quantize_row_u8(x, 4, q, &scale, &zero);
  EXPECT_FLOAT_EQ(scale, 3.0f / 255.0f);
  EXPECT_EQ(zero, 85);
  EXPECT_EQ(q[0], 0);
  EXPECT_EQ(q[1], 85);
  EXPECT_EQ(q[2], 255);
  EXPECT_TRUE(q[3] == 85 + 42 || q[3] == 85 + 43);  // 0.5 * 255 / 3 = 42.5: a tie up to rounding
  const float pos[2] = {1.0f, 2.0f};                // range includes 0: zero point 0
  quant::quantize_row_u8(pos, 2, q, &scale, &zero);
  EXPECT_EQ(zero, 0);
  EXPECT_EQ(q[1], 255);
  const float none[2] = {0.0f, 0.0f};
  quant::quantize_row_u8(none, 2, q, &scale, &zero);
  EXPECT_EQ(scale, 1.0f);
  EXPECT_EQ(zero, 0);
  EXPECT_EQ(q[0], 0);
}

TEST(PackedLayouts, EveryDtypeFollowsTheIndexFormula) {
  const int64_t n = 21, k = 7;
  const std::vector<float> w = random_weights(static_cast<size_t>(n * k), 3);
  std::vector<float> bias(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) bias[static_cast<size_t>(j)] = static_cast<float>(j) + 0.5f;
  const PackedWeights f = pack_weights(w.data(), n, k, bias.data(), 8);
  const PackedWeights b = pack_weights_bf16(w.data(), n, k, bias.data(), 8);
  const PackedWeights q2 = pack_weights_int8(w.data(), n, k, bias.data(), 8, 2);
  const PackedWeights q4 = pack_weights_int8(w.data(), n, k, nullptr, 16, 4);
  const PackedWeights q63 = pack_weights_int8(w.data(), n, k, nullptr, 16, 4, 63);
  EXPECT_EQ(f.layout, "fp32.nr8");
  EXPECT_EQ(b.layout, "bf16.k2.nr8");
  EXPECT_EQ(q2.layout, "int8.k2.nr8");
  EXPECT_EQ(q4.layout, "int8.k4.nr16");
  EXPECT_EQ(q63.layout, "int8q63.k4.nr16");
  EXPECT_EQ(b.k_padded(), 8);
  EXPECT_EQ(q4.k_padded(), 8);
  EXPECT_EQ(b.bf16.size(), 3u * 8 * 8);
  EXPECT_EQ(q4.i8.size(), 2u * 16 * 8);
  for (const PackedWeights* p : {&f, &b, &q2, &q4}) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p->bias.data()) % 64, 0u);
  }
  for (int64_t j = 0; j < 24; ++j) {
    int8_t row[7], row63[7];
    const float scale = j < n ? quant::quantize_weight_row_s8(w.data() + j * k, k, row) : 0.0f;
    const float scale63 =
        j < n ? quant::quantize_weight_row_s8(w.data() + j * k, k, row63, 63) : 0.0f;
    int32_t sum = 0;
    for (int64_t i = 0; i < 8; ++i) {
      const bool real = j < n && i < k;
      const float v = real ? w[static_cast<size_t>(j * k + i)] : 0.0f;
      if (i < k) EXPECT_EQ(f.data.data()[index_of(f, i, j)], v);
      EXPECT_EQ(b.bf16.data()[index_of(b, i, j)], quant::float_to_bf16(v));
      EXPECT_EQ(q2.i8.data()[index_of(q2, i, j)], real ? row[i] : 0);
      EXPECT_EQ(q4.i8.data()[index_of(q4, i, j)], real ? row[i] : 0);
      EXPECT_EQ(q63.i8.data()[index_of(q63, i, j)], real ? row63[i] : 0);
      EXPECT_LE(std::abs(int(q63.i8.data()[index_of(q63, i, j)])), 63);
      sum += real ? row[i] : 0;
    }
    EXPECT_EQ(q2.scales.data()[j], scale);
    EXPECT_EQ(q63.scales.data()[j], scale63);
    EXPECT_EQ(q2.col_sums.data()[j], sum);
    EXPECT_EQ(q4.bias.data()[j], 0.0f);
    EXPECT_EQ(q2.bias.data()[j], j < n ? bias[static_cast<size_t>(j)] : 0.0f);
  }
}

// Serialises through for_each_array into one byte block and rebuilds with borrow_packed.
PackedWeights round_trip(const PackedWeights& p, std::shared_ptr<std::vector<uint64_t>>* keep) {
  std::map<std::string, std::pair<size_t, size_t>> where;  // name -> (offset, bytes)
  std::vector<char> bytes;
  for_each_array(p, [&](const char* name, const void* data, size_t n) {
    where[name] = {bytes.size(), n};
    bytes.insert(bytes.end(), static_cast<const char*>(data), static_cast<const char*>(data) + n);
    bytes.resize((bytes.size() + 63) / 64 * 64);
  });
  auto block = std::make_shared<std::vector<uint64_t>>(bytes.size() / 8 + 8);
  std::memcpy(block->data(), bytes.data(), bytes.size());
  *keep = block;
  const char* base = reinterpret_cast<const char*>(block->data());
  return borrow_packed(
      packed_header(p),
      [&](const char* name) {
        auto it = where.find(name);
        return it == where.end() ? ArraySpan{}
                                 : ArraySpan{base + it->second.first, it->second.second};
      },
      block, "test.lbt: layer 0 qkv");
}

TEST(PackedSerialisation, BorrowRebuildsEveryDtypeWithoutCopying) {
  const int64_t n = 19, k = 13;
  const std::vector<float> w = random_weights(static_cast<size_t>(n * k), 4);
  const std::vector<float> bias = random_weights(static_cast<size_t>(n), 5);
  for (const PackedWeights& p : {pack_weights(w.data(), n, k, bias.data(), 16),
                                 pack_weights_bf16(w.data(), n, k, bias.data(), 16),
                                 pack_weights_int8(w.data(), n, k, bias.data(), 16, 4),
                                 pack_weights_int8(w.data(), n, k, bias.data(), 16, 4, 63)}) {
    std::shared_ptr<std::vector<uint64_t>> block;
    PackedWeights r = round_trip(p, &block);
    EXPECT_EQ(r.layout, p.layout);
    EXPECT_EQ(r.qmax, p.qmax);
    EXPECT_EQ(r.owner.get(), block.get());
    const char* lo = reinterpret_cast<const char*>(block->data());
    std::vector<std::string> names;
    for_each_array(r, [&](const char* name, const void* data, size_t bytes) {
      names.push_back(name);
      EXPECT_GE(static_cast<const char*>(data), lo) << name;  // borrowed, not copied
      EXPECT_LE(static_cast<const char*>(data) + bytes, lo + block->size() * 8) << name;
    });
    std::vector<std::string> original;
    for_each_array(p, [&](const char* name, const void* a, size_t bytes) {
      original.push_back(name);
      bool same = false;
      for_each_array(r, [&](const char* n2, const void* b, size_t bytes2) {
        if (std::string(n2) == name) same = bytes == bytes2 && std::memcmp(a, b, bytes) == 0;
      });
      EXPECT_TRUE(same) << p.layout << " " << name;
    });
    EXPECT_EQ(names, original);
  }
}

TEST(PackedSerialisation, BadHeadersAndArraysThrowFormatErrors) {
  const std::vector<float> w = random_weights(6 * 5, 6);
  const PackedWeights p = pack_weights_int8(w.data(), 6, 5, nullptr, 16, 2);
  auto lookup_from = [&](const PackedWeights& src, const char* drop, size_t shrink) {
    return [&src, drop, shrink](const char* name) {
      ArraySpan s;
      for_each_array(src, [&](const char* n2, const void* d, size_t b) {
        if (std::string(n2) == name) s = ArraySpan{d, b};
      });
      if (std::string(name) == drop) s.bytes -= shrink;
      return s;
    };
  };
  auto expect_format = [](auto f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << "no throw, expected " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kFormat);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("m.lbt"), std::string::npos) << e.what();
    }
  };
  expect_format(
      [&] { borrow_packed(packed_header(p), lookup_from(p, "scales", 4), p.owner, "m.lbt"); },
      "'scales'");
  expect_format([&] { borrow_packed(packed_header(p), lookup_from(p, "i8", 1), p.owner, "m.lbt"); },
                "'i8'");
  PackedHeader h = packed_header(p);
  h.layout = "int8.k4.nr16";
  expect_format([&] { borrow_packed(h, lookup_from(p, "", 0), p.owner, "m.lbt"); }, "layout");
  h = packed_header(p);
  h.kgroup = 3;
  h.layout = packed_layout_tag(h.dtype, 3, h.nr);
  expect_format([&] { borrow_packed(h, lookup_from(p, "", 0), p.owner, "m.lbt"); }, "kgroup");
  // A good one borrows.
  EXPECT_EQ(borrow_packed(packed_header(p), lookup_from(p, "", 0), p.owner, "m.lbt").i8.data(),
            p.i8.data());
}

TEST(PackedLayouts, EveryTableNamesItsLayouts) {
  for (const KernelTable* t : every_kernel_variant()) {
    EXPECT_EQ(packed_layout(*t, WeightDtype::kF32), "fp32.nr" + std::to_string(t->gemm_nr));
    EXPECT_EQ(packed_layout(*t, WeightDtype::kBF16), "bf16.k2.nr" + std::to_string(t->bf16_nr));
    EXPECT_EQ(packed_layout(*t, WeightDtype::kI8),
              std::string("int8") + (t->i8_qmax == 127 ? "" : "q" + std::to_string(t->i8_qmax)) +
                  ".k" + std::to_string(t->i8_kgroup) + ".nr" + std::to_string(t->i8_nr));
  }
}

}  // namespace
}  // namespace lightbert::kernels
