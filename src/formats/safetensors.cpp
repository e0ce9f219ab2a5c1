// formats/safetensors.cpp: the validating safetensors reader (see safetensors.h).
#include "formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "formats/dtype.h"
#include "formats/json_text.h"
#include "lightbert/error.h"

namespace lightbert::formats {
namespace {

using nlohmann::json;

// Arrays in a valid header are shapes (rank) and data_offsets (2): cap their length so a
// hostile header cannot make us build a huge array.
constexpr size_t kMaxArrayLength = 1024;

[[noreturn]] void format_error(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::kFormat, path + ": " + what);
}

// Thrown by the parse callback to stop at the first structural problem.
struct HeaderRejected {
  std::string reason;
};

// One open object/array while parsing, for duplicate-key and size checks.
struct Frame {
  bool is_array = false;
  size_t count = 0;
  std::set<std::string> keys;
};

json parse_header_json(const uint8_t* begin, size_t n, const std::string& path) {
  std::vector<Frame> stack;
  json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& value) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= 3) {
          throw HeaderRejected{"safetensors header nests deeper than {tensor: {field: [values]}}"};
        }
        stack.push_back(Frame{event == json::parse_event_t::array_start, 0, {}});
        break;
      case json::parse_event_t::key:
        if (!stack.empty() && !stack.back().keys.insert(value.get<std::string>()).second) {
          throw HeaderRejected{"safetensors header repeats the key " +
                               quote_name(value.get<std::string>())};
        }
        break;
      case json::parse_event_t::value:
        if (!stack.empty() && stack.back().is_array && ++stack.back().count > kMaxArrayLength) {
          throw HeaderRejected{"safetensors header has an array longer than " +
                               std::to_string(kMaxArrayLength) + " elements"};
        }
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        break;
    }
    return true;
  };
  // nlohmann stops at a NUL byte as if the input ended there; no valid JSON text has one.
  if (const void* nul = std::memchr(begin, 0, n)) {
    format_error(path, "safetensors header is not valid JSON: it has a NUL byte at offset " +
                           std::to_string(static_cast<const uint8_t*>(nul) - begin));
  }
  try {
    return json::parse(begin, begin + n, check, /*allow_exceptions=*/true);
  } catch (const HeaderRejected& r) {
    format_error(path, r.reason);
  } catch (const json::exception& e) {
    format_error(path, "safetensors header is not valid UTF-8 JSON: " + one_line(e.what()));
  }
}

// A JSON value as a non-negative integer, or false.
bool as_u64(const json& v, uint64_t* out) {
  if (!v.is_number_unsigned()) return false;
  *out = v.get<uint64_t>();
  return true;
}

struct Range {
  uint64_t begin, end;
  size_t tensor;  // index into SafetensorsContent::tensors
};

TensorInfo parse_entry(const std::string& name, const json& entry, const uint8_t* data,
                       uint64_t data_size, const std::string& path, Range* range) {
  const std::string where = "tensor " + quote_name(name) + ": ";
  if (!entry.is_object())
    format_error(path, where + "entry must be an object, got " + brief(entry));
  TensorInfo info;
  info.name = name;
  info.file = path;

  auto dtype_it = entry.find("dtype");
  if (dtype_it == entry.end()) format_error(path, where + "missing field 'dtype'");
  if (!dtype_it->is_string()) {
    format_error(path, where + "field 'dtype' must be a string, got " + brief(*dtype_it));
  }
  if (!parse_dtype(dtype_it->get_ref<const std::string&>(), &info.dtype)) {
    format_error(path, where + "unknown dtype " + brief(*dtype_it) +
                           " (known: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  }

  auto shape_it = entry.find("shape");
  if (shape_it == entry.end()) format_error(path, where + "missing field 'shape'");
  if (!shape_it->is_array()) {
    format_error(path, where + "field 'shape' must be an array, got " + brief(*shape_it));
  }
  uint64_t numel = 1;
  bool overflow = false;
  for (const json& d : *shape_it) {
    uint64_t dim = 0;
    if (!as_u64(d, &dim)) {
      format_error(path, where + "field 'shape' must hold non-negative integers, got " + brief(d));
    }
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      format_error(path, where + "field 'shape' has a dimension too large: " + brief(d));
    }
    info.shape.push_back(static_cast<int64_t>(dim));
    overflow = overflow || __builtin_mul_overflow(numel, dim, &numel);
  }
  uint64_t nbytes = 0;
  // A zero dimension makes the tensor empty whatever the other dimensions are.
  bool empty = std::find(info.shape.begin(), info.shape.end(), 0) != info.shape.end();
  if (empty) {
    numel = 0;
  } else if (overflow || numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
             __builtin_mul_overflow(numel, dtype_size(info.dtype), &nbytes)) {
    format_error(path, where + "shape " + brief(*shape_it) + " overflows the size of a tensor");
  }

  auto off_it = entry.find("data_offsets");
  if (off_it == entry.end()) format_error(path, where + "missing field 'data_offsets'");
  uint64_t begin = 0, end = 0;
  if (!off_it->is_array() || off_it->size() != 2 || !as_u64((*off_it)[0], &begin) ||
      !as_u64((*off_it)[1], &end)) {
    format_error(path, where +
                           "field 'data_offsets' must be [begin, end] (non-negative "
                           "integers), got " +
                           brief(*off_it));
  }
  if (begin > end) {
    format_error(path, where + "data_offsets " + brief(*off_it) + " has begin > end");
  }
  if (end > data_size) {
    format_error(path, where + "data_offsets " + brief(*off_it) + " reach past the data region (" +
                           std::to_string(data_size) + " bytes)");
  }
  if (end - begin != nbytes) {
    format_error(path, where + "shape " + brief(*shape_it) + " x " + dtype_name(info.dtype) +
                           " is " + std::to_string(nbytes) + " bytes but data_offsets " +
                           brief(*off_it) + " hold " + std::to_string(end - begin));
  }
  info.data = data + begin;
  info.nbytes = static_cast<size_t>(nbytes);
  *range = Range{begin, end, 0};
  return info;
}

}  // namespace

SafetensorsContent parse_safetensors(const uint8_t* bytes, size_t size, const std::string& path) {
  if (size < 8) {
    format_error(path, "not a safetensors file: " + std::to_string(size) +
                           " bytes, shorter than the 8-byte header length");
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > kMaxSafetensorsHeader) {
    format_error(path, "safetensors header length " + std::to_string(n) +
                           " is larger than the 100 MB limit");
  }
  if (n > size - 8) {
    format_error(path, "safetensors header length " + std::to_string(n) + " exceeds the file (" +
                           std::to_string(size) + " bytes)");
  }
  json header = parse_header_json(bytes + 8, static_cast<size_t>(n), path);
  if (!header.is_object()) {
    format_error(path, "safetensors header must be a JSON object, got " + brief(header));
  }
  const uint8_t* data = bytes + 8 + n;
  const uint64_t data_size = size - 8 - n;

  SafetensorsContent out;
  std::vector<Range> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (entry.is_null()) continue;
      if (!entry.is_object()) {
        format_error(path, "field '__metadata__' must be an object, got " + brief(entry));
      }
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) {
          format_error(path, "__metadata__ entry " + quote_name(key) + " must be a string, got " +
                                 brief(value));
        }
        out.metadata.emplace(key, value.get<std::string>());
      }
      continue;
    }
    Range range{};
    out.tensors.push_back(parse_entry(name, entry, data, data_size, path, &range));
    range.tensor = out.tensors.size() - 1;
    if (range.end > range.begin) ranges.push_back(range);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end) {
      format_error(path, "tensors " + quote_name(out.tensors[ranges[i - 1].tensor].name) + " and " +
                             quote_name(out.tensors[ranges[i].tensor].name) +
                             " overlap in the data region");
    }
  }
  return out;
}

SafetensorsFile open_safetensors(const std::string& path) {
  SafetensorsFile f;
  f.file = runtime::MappedFile(path);
  f.content = parse_safetensors(f.file.data(), f.file.size(), path);
  return f;
}

}  // namespace lightbert::formats
