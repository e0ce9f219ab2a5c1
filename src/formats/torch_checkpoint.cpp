// formats/torch_checkpoint.cpp: the torch.save reader (see torch_checkpoint.h): a bounds-checked
// zip directory reader for the stored entries torch writes, a restricted pickle machine that
// builds plain values (never calls Python code: the few accepted globals are interpreted here),
// and the checks that turn its result into TensorInfo.
#include "formats/torch_checkpoint.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include "formats/dtype.h"
#include "formats/json_text.h"
#include "lightbert/error.h"

namespace lightbert::formats {
namespace {

[[noreturn]] void fail(ErrorCode code, const std::string& path, const std::string& what) {
  throw Error(code, path + ": " + what);
}

uint16_t rd16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t rd32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t rd64(const uint8_t* p) {
  return static_cast<uint64_t>(rd32(p)) | (static_cast<uint64_t>(rd32(p + 4)) << 32);
}

uint32_t crc32(const uint8_t* p, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// The legacy format's first pickle: LONG1 0x1950a86a20f9469cfc6c, little-endian.
constexpr uint8_t kLegacyMagic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

// ---- zip ------------------------------------------------------------------------------------

struct ZipEntry {
  std::string name;
  uint16_t method = 0;
  uint16_t flags = 0;
  uint32_t crc = 0;
  const uint8_t* data = nullptr;
  uint64_t size = 0;
};

class ZipReader {
 public:
  ZipReader(const uint8_t* b, size_t n, const std::string& path) : b_(b), n_(n), path_(path) {
    read_directory();
  }

  const ZipEntry* find(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &entries_[it->second];
  }
  const std::vector<ZipEntry>& entries() const { return entries_; }

  // The bytes of a stored entry (kUnsupported for compressed or encrypted ones).
  const ZipEntry& stored(const ZipEntry& e) const {
    if (e.flags & 1) {
      fail(ErrorCode::kUnsupported, path_, "zip entry " + quote_name(e.name) + " is encrypted");
    }
    if (e.method != 0) {
      fail(ErrorCode::kUnsupported, path_,
           "zip entry " + quote_name(e.name) + " is compressed (method " +
               std::to_string(e.method) +
               "); torch.save writes stored (uncompressed) entries, re-save the checkpoint "
               "with torch.save");
    }
    return e;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(ErrorCode::kFormat, path_, "damaged zip archive: " + what);
  }

  void read_directory() {
    if (n_ < 22) bad("shorter than an end-of-central-directory record");
    // The end record sits at the end, followed only by its comment (at most 65535 bytes).
    size_t eocd = std::string::npos;
    const size_t lowest = n_ - 22 > 65535 ? n_ - 22 - 65535 : 0;
    for (size_t i = n_ - 22 + 1; i-- > lowest;) {
      if (rd32(b_ + i) == 0x06054b50u && i + 22 + rd16(b_ + i + 20) == n_) {
        eocd = i;
        break;
      }
    }
    if (eocd == std::string::npos) bad("no end-of-central-directory record (truncated file?)");
    const uint8_t* e = b_ + eocd;
    if (rd16(e + 4) != 0 || rd16(e + 6) != 0) bad("multi-disk archives are not supported");
    uint64_t count = rd16(e + 10);
    uint64_t cd_size = rd32(e + 12);
    uint64_t cd_offset = rd32(e + 16);
    size_t cd_limit = eocd;  // the directory ends before the end records
    if (count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) {
      if (eocd < 20 || rd32(b_ + eocd - 20) != 0x07064b50u) {
        bad("zip64 fields without a zip64 end-of-central-directory locator");
      }
      const uint64_t rec = rd64(b_ + eocd - 20 + 8);
      if (rec > eocd - 20 || eocd - 20 - rec < 56 || rd32(b_ + rec) != 0x06064b50u) {
        bad("zip64 end-of-central-directory record out of place");
      }
      count = rd64(b_ + rec + 32);
      cd_size = rd64(b_ + rec + 40);
      cd_offset = rd64(b_ + rec + 48);
      cd_limit = static_cast<size_t>(rec);
    }
    if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset) {
      bad("central directory (offset " + std::to_string(cd_offset) + ", " +
          std::to_string(cd_size) + " bytes) lies outside the file");
    }
    if (count > cd_size / 46) {
      bad(std::to_string(count) + " entries cannot fit a " + std::to_string(cd_size) +
          "-byte central directory");
    }
    entries_.reserve(static_cast<size_t>(count));
    size_t p = static_cast<size_t>(cd_offset);
    const size_t end = static_cast<size_t>(cd_offset + cd_size);
    for (uint64_t i = 0; i < count; ++i) {
      if (end - p < 46 || rd32(b_ + p) != 0x02014b50u) {
        bad("central directory entry " + std::to_string(i) + " is malformed");
      }
      const uint8_t* h = b_ + p;
      ZipEntry z;
      z.flags = rd16(h + 8);
      z.method = rd16(h + 10);
      z.crc = rd32(h + 16);
      uint64_t csize = rd32(h + 20);
      uint64_t usize = rd32(h + 24);
      const size_t name_len = rd16(h + 28), extra_len = rd16(h + 30), comment_len = rd16(h + 32);
      uint64_t local = rd32(h + 42);
      if (end - p - 46 < name_len + extra_len + comment_len) {
        bad("central directory entry " + std::to_string(i) + " runs past the directory");
      }
      z.name.assign(reinterpret_cast<const char*>(h + 46), name_len);
      // Zip64 extended information: the 0xFFFFFFFF fields, in this order.
      const uint8_t* x = h + 46 + name_len;
      for (size_t q = 0; q + 4 <= extra_len;) {
        const uint16_t id = rd16(x + q), len = rd16(x + q + 2);
        if (q + 4 + len > extra_len) bad("extra field of " + quote_name(z.name) + " is cut");
        if (id == 0x0001) {
          const uint8_t* f = x + q + 4;
          size_t left = len;
          auto take = [&](uint64_t* v) {
            if (*v != 0xFFFFFFFFu) return;
            if (left < 8) bad("zip64 field of " + quote_name(z.name) + " is cut");
            *v = rd64(f);
            f += 8;
            left -= 8;
          };
          take(&usize);
          take(&csize);
          take(&local);
        }
        q += 4 + len;
      }
      if (z.method == 0 && csize != usize) {
        bad("stored entry " + quote_name(z.name) + " has different compressed and plain sizes");
      }
      // The local header repeats the name; the data follows its extra field (torch pads there).
      if (local > n_ || n_ - local < 30 || rd32(b_ + local) != 0x04034b50u) {
        bad("local header of " + quote_name(z.name) + " (offset " + std::to_string(local) +
            ") is missing");
      }
      const uint8_t* l = b_ + local;
      const uint64_t data_start = local + 30 + rd16(l + 26) + rd16(l + 28);
      if (rd16(l + 26) != name_len || data_start > n_ ||
          std::memcmp(l + 30, z.name.data(), std::min<size_t>(name_len, n_ - local - 30)) != 0) {
        bad("local header of " + quote_name(z.name) + " does not match the directory");
      }
      if (csize > n_ - data_start) {
        bad("entry " + quote_name(z.name) + " (" + std::to_string(csize) +
            " bytes) runs past the end of the file");
      }
      z.data = b_ + data_start;
      z.size = csize;
      if (!by_name_.emplace(z.name, entries_.size()).second) {
        bad("entry " + quote_name(z.name) + " appears twice");
      }
      entries_.push_back(std::move(z));
      p += 46 + name_len + extra_len + comment_len;
    }
  }

  const uint8_t* b_;
  size_t n_;
  const std::string& path_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> by_name_;
};

// ---- restricted pickle machine -------------------------------------------------------------

enum class Kind : uint8_t {
  kNone,
  kBool,
  kInt,
  kBigInt,  // a LONG1 wider than 64 bits: its little-endian bytes in `s`
  kFloat,
  kStr,
  kBytes,
  kTuple,
  kList,
  kDict,  // items: key, value, key, value, ...
  kGlobal,
  kStorage,
  kTensor,
};

enum class Callable : uint8_t {
  kOrderedDict,
  kRebuildTensorV2,
  kRebuildTensor,
  kRebuildParameter,
  kRebuildParameterWithState,
  kStorageType,
};

struct Node {
  Kind kind = Kind::kNone;
  Callable callable = Callable::kOrderedDict;  // kGlobal
  DType dtype = DType::kF32;                   // kGlobal kStorageType
  uint32_t depth = 0;
  int64_t i = 0;  // kBool, kInt; kStorage / kTensor: index into storages / tensors
  double f = 0;
  std::string s;  // kStr, kBytes, kBigInt; kGlobal: "module.name"
  std::vector<uint32_t> items;
};

struct StorageRef {
  std::string key;
  DType dtype = DType::kF32;
  uint64_t numel = 0;        // elements of the storage the persistent id names
  uint64_t view_offset = 0;  // legacy storage views: first element inside that storage
  uint64_t view_numel = 0;   // elements visible to tensors (numel without a view)
};

struct TensorRef {
  uint32_t storage = 0;
  int64_t offset = 0;
  std::vector<int64_t> shape, stride;
};

struct StorageType {
  const char* name;
  DType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", DType::kF32},  {"HalfStorage", DType::kF16}, {"BFloat16Storage", DType::kBF16},
    {"DoubleStorage", DType::kF64}, {"LongStorage", DType::kI64}, {"IntStorage", DType::kI32},
    {"ShortStorage", DType::kI16},  {"CharStorage", DType::kI8},  {"ByteStorage", DType::kU8},
    {"BoolStorage", DType::kBool},
};

constexpr const char* kAllowedGlobals =
    "collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_tensor / "
    "_rebuild_parameter / _rebuild_parameter_with_state, torch.<Type>Storage";
constexpr size_t kMaxNodes = size_t{1} << 20;
constexpr uint32_t kMaxDepth = 100;
constexpr size_t kMaxRank = 64;

enum class PersistentIds { kNone, kZip, kLegacy };

class Unpickler {
 public:
  // `where` names the pickle in messages ("archive/data.pkl"). The nodes None, False and True
  // are shared constants 0, 1 and 2.
  Unpickler(const std::string& path, std::string where, PersistentIds pids)
      : path_(path), where_(std::move(where)), pids_(pids) {
    nodes_.resize(3);
    nodes_[1].kind = nodes_[2].kind = Kind::kBool;
    nodes_[2].i = 1;
  }

  // Runs the pickle at bytes [0, size); returns its result and sets *used to the bytes read.
  uint32_t run(const uint8_t* bytes, size_t size, size_t* used) {
    b_ = bytes;
    n_ = size;
    pos_ = 0;
    stack_.clear();
    marks_.clear();
    memo_.clear();
    while (true) {
      if (pos_ >= n_) error(ErrorCode::kFormat, "truncated pickle: it ends before STOP");
      op_at_ = pos_;
      const uint8_t op = b_[pos_++];
      switch (op) {
        case 0x80: {  // PROTO
          const uint8_t v = take(1)[0];
          if (v > 5) error(ErrorCode::kFormat, "pickle protocol " + std::to_string(v));
          break;
        }
        case 0x95:  // FRAME (protocol 4): a length hint
          take(8);
          break;
        case '}':
          push(make(Kind::kDict));
          break;
        case ']':
          push(make(Kind::kList));
          break;
        case ')':
          push(make(Kind::kTuple));
          break;
        case 'N':
          push(0);
          break;
        case 0x88:  // NEWTRUE
          push(2);
          break;
        case 0x89:  // NEWFALSE
          push(1);
          break;
        case 'K':  // BININT1
          push_int(take(1)[0]);
          break;
        case 'M':  // BININT2
          push_int(rd16(take(2)));
          break;
        case 'J':  // BININT
          push_int(static_cast<int32_t>(rd32(take(4))));
          break;
        case 0x8a: {  // LONG1
          const size_t len = take(1)[0];
          const uint8_t* p = take(len);
          if (len <= 8) {
            uint64_t v = 0;
            for (size_t k = 0; k < len; ++k) v |= static_cast<uint64_t>(p[k]) << (8 * k);
            if (len > 0 && len < 8 && (p[len - 1] & 0x80)) v |= ~uint64_t{0} << (8 * len);
            push_int(static_cast<int64_t>(v));
          } else {
            uint32_t id = make(Kind::kBigInt);
            nodes_[id].s.assign(reinterpret_cast<const char*>(p), len);
            push(id);
          }
          break;
        }
        case 'G': {  // BINFLOAT: big-endian binary64
          const uint8_t* p = take(8);
          uint64_t bits = 0;
          for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
          uint32_t id = make(Kind::kFloat);
          std::memcpy(&nodes_[id].f, &bits, 8);
          push(id);
          break;
        }
        case 'X':  // BINUNICODE
          push_text(Kind::kStr, rd32(take(4)));
          break;
        case 0x8c:  // SHORT_BINUNICODE
          push_text(Kind::kStr, take(1)[0]);
          break;
        case 'U':  // SHORT_BINSTRING (Python 2 str, read as text as torch.load does)
          push_text(Kind::kStr, take(1)[0]);
          break;
        case 'T': {  // BINSTRING
          const int32_t len = static_cast<int32_t>(rd32(take(4)));
          if (len < 0) error(ErrorCode::kFormat, "negative BINSTRING length");
          push_text(Kind::kStr, static_cast<uint32_t>(len));
          break;
        }
        case 'C':  // SHORT_BINBYTES
          push_text(Kind::kBytes, take(1)[0]);
          break;
        case 'B':  // BINBYTES
          push_text(Kind::kBytes, rd32(take(4)));
          break;
        case 'c': {  // GLOBAL "module\nname\n"
          std::string module = line();
          std::string name = line();
          push(global(module, name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          const uint32_t name = pop(), module = pop();
          if (nodes_[name].kind != Kind::kStr || nodes_[module].kind != Kind::kStr) {
            error(ErrorCode::kFormat, "STACK_GLOBAL needs two strings");
          }
          std::string module_text = nodes_[module].s, name_text = nodes_[name].s;
          push(global(module_text, name_text));
          break;
        }
        case '(':  // MARK
          if (marks_.size() >= kMaxNodes) error(ErrorCode::kFormat, "too many MARKs");
          marks_.push_back(stack_.size());
          break;
        case 't': {  // TUPLE
          std::vector<uint32_t> items = pop_mark();
          push(tuple(std::move(items)));
          break;
        }
        case 0x85:    // TUPLE1
        case 0x86:    // TUPLE2
        case 0x87: {  // TUPLE3
          const size_t k = op - 0x84u;
          if (stack_.size() < k + floor()) underflow();
          std::vector<uint32_t> items(stack_.end() - static_cast<std::ptrdiff_t>(k), stack_.end());
          stack_.resize(stack_.size() - k);
          push(tuple(std::move(items)));
          break;
        }
        case 'q':  // BINPUT
          put(take(1)[0]);
          break;
        case 'r':  // LONG_BINPUT
          put(rd32(take(4)));
          break;
        case 0x94:  // MEMOIZE
          put(static_cast<uint32_t>(memo_.size()));
          break;
        case 'h':  // BINGET
          get(take(1)[0]);
          break;
        case 'j':  // LONG_BINGET
          get(rd32(take(4)));
          break;
        case 'Q':  // BINPERSID
          push(persistent_load(pop()));
          break;
        case 'R': {  // REDUCE
          const uint32_t args = pop(), fn = pop();
          push(call(fn, args));
          break;
        }
        case 'b': {  // BUILD: only the attribute state of an OrderedDict (a state dict's
                     // _metadata), which is not needed and is dropped
          const uint32_t state = pop();
          const uint32_t target = top();
          const Kind sk = nodes_[state].kind;
          if (nodes_[target].kind != Kind::kDict ||
              (sk != Kind::kDict && sk != Kind::kNone && sk != Kind::kTuple)) {
            error(ErrorCode::kFormat, "BUILD is allowed only on an OrderedDict");
          }
          break;
        }
        case 's': {  // SETITEM
          const uint32_t value = pop(), key = pop();
          add_items(top(), Kind::kDict, {key, value});
          break;
        }
        case 'u': {  // SETITEMS
          std::vector<uint32_t> items = pop_mark();
          if (items.size() % 2 != 0) error(ErrorCode::kFormat, "SETITEMS with an odd item count");
          add_items(top(), Kind::kDict, items);
          break;
        }
        case 'a': {  // APPEND
          const uint32_t value = pop();
          add_items(top(), Kind::kList, {value});
          break;
        }
        case 'e': {  // APPENDS
          std::vector<uint32_t> items = pop_mark();
          add_items(top(), Kind::kList, items);
          break;
        }
        case '.':  // STOP
          if (stack_.size() != 1 || !marks_.empty()) {
            error(ErrorCode::kFormat, "STOP with " + std::to_string(stack_.size()) +
                                          " objects on the stack (expected 1)");
          }
          *used = pos_;
          return stack_.back();
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02X", op);
          std::string shown =
              (op >= 0x20 && op < 0x7F) ? std::string(" '") + static_cast<char>(op) + "'" : "";
          error(ErrorCode::kFormat, "pickle opcode " + std::string(hex) + shown +
                                        " is not one torch.save writes for tensors");
        }
      }
    }
  }

  const Node& node(uint32_t id) const { return nodes_[id]; }
  const std::vector<StorageRef>& storages() const { return storages_; }
  const std::vector<TensorRef>& tensors() const { return tensors_; }

 private:
  [[noreturn]] void error(ErrorCode code, const std::string& what) const {
    fail(code, path_, where_ + ", byte " + std::to_string(op_at_) + ": " + what);
  }
  [[noreturn]] void underflow() const {
    error(ErrorCode::kFormat, "pickle stack underflow (malformed pickle)");
  }

  const uint8_t* take(size_t k) {
    if (k > n_ - pos_) error(ErrorCode::kFormat, "truncated pickle: an argument runs past the end");
    const uint8_t* p = b_ + pos_;
    pos_ += k;
    return p;
  }

  std::string line() {
    const size_t limit = std::min<size_t>(n_ - pos_, 256);
    const void* nl = std::memchr(b_ + pos_, '\n', limit);
    if (nl == nullptr) error(ErrorCode::kFormat, "GLOBAL name without an end of line");
    const size_t len = static_cast<const uint8_t*>(nl) - (b_ + pos_);
    std::string s(reinterpret_cast<const char*>(b_ + pos_), len);
    pos_ += len + 1;
    return s;
  }

  uint32_t make(Kind kind) {
    if (nodes_.size() >= kMaxNodes) {
      error(ErrorCode::kFormat,
            "the pickle builds more than " + std::to_string(kMaxNodes) + " objects");
    }
    nodes_.emplace_back();
    nodes_.back().kind = kind;
    return static_cast<uint32_t>(nodes_.size() - 1);
  }

  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(uint32_t id) {
    if (stack_.size() >= kMaxNodes) error(ErrorCode::kFormat, "pickle stack too deep");
    stack_.push_back(id);
  }
  uint32_t pop() {
    if (stack_.size() <= floor()) underflow();
    const uint32_t id = stack_.back();
    stack_.pop_back();
    return id;
  }
  uint32_t top() const {
    if (stack_.size() <= floor()) underflow();
    return stack_.back();
  }
  std::vector<uint32_t> pop_mark() {
    if (marks_.empty()) error(ErrorCode::kFormat, "pickle opcode needs a MARK that is missing");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }

  void push_int(int64_t v) {
    const uint32_t id = make(Kind::kInt);
    nodes_[id].i = v;
    push(id);
  }
  void push_text(Kind kind, uint32_t len) {
    const uint8_t* p = take(len);
    const uint32_t id = make(kind);
    nodes_[id].s.assign(reinterpret_cast<const char*>(p), len);
    push(id);
  }

  void put(uint32_t index) {
    const uint32_t id = top();
    if (memo_.size() >= kMaxNodes && !memo_.count(index)) {
      error(ErrorCode::kFormat, "pickle memo too large");
    }
    memo_[index] = id;
  }
  void get(uint32_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) {
      error(ErrorCode::kFormat,
            "memo index " + std::to_string(index) + " is out of range (never stored)");
    }
    push(it->second);
  }

  void deepen(uint32_t parent, uint32_t child) {
    nodes_[parent].depth = std::max(nodes_[parent].depth, nodes_[child].depth + 1);
    if (nodes_[parent].depth > kMaxDepth) {
      error(ErrorCode::kFormat, "objects nest deeper than " + std::to_string(kMaxDepth));
    }
  }

  // Container elements are references, so a few opcodes (BINGET, APPENDS) can make many: they
  // are counted against a limit too.
  void count_items(size_t k) {
    items_ += k;
    if (items_ > 4 * kMaxNodes) {
      error(ErrorCode::kFormat, "the pickle's containers hold more than " +
                                    std::to_string(4 * kMaxNodes) + " elements");
    }
  }

  uint32_t tuple(std::vector<uint32_t> items) {
    count_items(items.size());
    const uint32_t id = make(Kind::kTuple);
    for (uint32_t c : items) deepen(id, c);
    nodes_[id].items = std::move(items);
    return id;
  }

  void add_items(uint32_t target, Kind want, const std::vector<uint32_t>& items) {
    if (nodes_[target].kind != want) {
      error(ErrorCode::kFormat, std::string(want == Kind::kDict ? "SETITEM(S)" : "APPEND(S)") +
                                    " on an object that is not a " +
                                    (want == Kind::kDict ? "dict" : "list"));
    }
    count_items(items.size());
    for (uint32_t c : items) {
      deepen(target, c);
      nodes_[target].items.push_back(c);
    }
  }

  uint32_t global(const std::string& module, const std::string& name) {
    const uint32_t id = make(Kind::kGlobal);
    Node& g = nodes_[id];
    g.s = module + "." + name;
    if (module == "collections" && name == "OrderedDict") {
      g.callable = Callable::kOrderedDict;
      return id;
    }
    if (module == "torch._utils") {
      if (name == "_rebuild_tensor_v2") {
        g.callable = Callable::kRebuildTensorV2;
        return id;
      }
      if (name == "_rebuild_tensor") {
        g.callable = Callable::kRebuildTensor;
        return id;
      }
      if (name == "_rebuild_parameter") {
        g.callable = Callable::kRebuildParameter;
        return id;
      }
      if (name == "_rebuild_parameter_with_state") {
        g.callable = Callable::kRebuildParameterWithState;
        return id;
      }
    }
    if (module == "torch") {
      for (const StorageType& t : kStorageTypes) {
        if (name == t.name) {
          g.callable = Callable::kStorageType;
          g.dtype = t.dtype;
          return id;
        }
      }
      if (name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0) {
        error(ErrorCode::kUnsupported,
              "storage type " + quote_name(module + "." + name) +
                  " is not supported (Float, Half, BFloat16, Double, Long, Int, Short, Char, "
                  "Byte and Bool storages are)");
      }
    }
    error(ErrorCode::kFormat, "global " + quote_name(module + "." + name) +
                                  " is not allowed: lightbert reads only the tensors torch.save "
                                  "writes and never runs pickle code (allowed: " +
                                  kAllowedGlobals + ")");
  }

  const Node& arg(const Node& args, size_t k) const { return nodes_[args.items[k]]; }

  int64_t int_arg(const Node& v, const char* what) const {
    if (v.kind != Kind::kInt) error(ErrorCode::kFormat, std::string(what) + " must be an int");
    return v.i;
  }

  std::vector<int64_t> ints_arg(const Node& v, const char* what) const {
    if (v.kind != Kind::kTuple) {
      error(ErrorCode::kFormat, std::string(what) + " must be a tuple of ints");
    }
    if (v.items.size() > kMaxRank) {
      error(ErrorCode::kFormat,
            std::string(what) + " has more than " + std::to_string(kMaxRank) + " dimensions");
    }
    std::vector<int64_t> out;
    for (uint32_t c : v.items) out.push_back(int_arg(nodes_[c], what));
    return out;
  }

  uint32_t persistent_load(uint32_t pid) {
    const Node& t = nodes_[pid];
    const size_t want = pids_ == PersistentIds::kLegacy ? 6 : 5;
    if (pids_ == PersistentIds::kNone) {
      error(ErrorCode::kFormat, "persistent id (BINPERSID) where no storage can be");
    }
    if (t.kind != Kind::kTuple || t.items.size() != want || arg(t, 0).kind != Kind::kStr ||
        arg(t, 0).s != "storage") {
      error(ErrorCode::kFormat, "persistent id is not a ('storage', type, key, location, numel" +
                                    std::string(want == 6 ? ", view)" : ")") + " tuple");
    }
    const Node& type = arg(t, 1);
    if (type.kind != Kind::kGlobal || type.callable != Callable::kStorageType) {
      error(ErrorCode::kFormat, "persistent id's storage type is not a torch.<Type>Storage");
    }
    if (arg(t, 2).kind != Kind::kStr) error(ErrorCode::kFormat, "storage key must be a string");
    if (arg(t, 3).kind != Kind::kStr) {
      error(ErrorCode::kFormat, "storage location must be a string");
    }
    const int64_t numel = int_arg(arg(t, 4), "storage size");
    if (numel < 0) error(ErrorCode::kFormat, "negative storage size");
    StorageRef s;
    s.key = arg(t, 2).s;
    s.dtype = type.dtype;
    s.numel = static_cast<uint64_t>(numel);
    s.view_numel = s.numel;
    if (want == 6 && arg(t, 5).kind != Kind::kNone) {
      const Node& v = arg(t, 5);
      if (v.kind != Kind::kTuple || v.items.size() != 3 || arg(v, 0).kind != Kind::kStr) {
        error(ErrorCode::kFormat, "storage view is not a (key, offset, size) tuple");
      }
      const int64_t off = int_arg(arg(v, 1), "storage view offset");
      const int64_t len = int_arg(arg(v, 2), "storage view size");
      if (off < 0 || len < 0 || static_cast<uint64_t>(off) > s.numel ||
          static_cast<uint64_t>(len) > s.numel - static_cast<uint64_t>(off)) {
        error(ErrorCode::kFormat, "storage view [" + std::to_string(off) + ", +" +
                                      std::to_string(len) + ") lies outside storage " +
                                      quote_name(s.key) + " (" + std::to_string(s.numel) +
                                      " elements)");
      }
      s.view_offset = static_cast<uint64_t>(off);
      s.view_numel = static_cast<uint64_t>(len);
    }
    const uint32_t id = make(Kind::kStorage);
    nodes_[id].i = static_cast<int64_t>(storages_.size());
    storages_.push_back(std::move(s));
    return id;
  }

  uint32_t call(uint32_t fn_id, uint32_t args_id) {
    const Node& fn = nodes_[fn_id];
    const Node& args = nodes_[args_id];
    if (fn.kind != Kind::kGlobal) error(ErrorCode::kFormat, "REDUCE on something not callable");
    if (args.kind != Kind::kTuple) error(ErrorCode::kFormat, "REDUCE arguments are not a tuple");
    const std::string name = quote_name(fn.s);
    auto arity = [&](size_t lo, size_t hi) {
      if (args.items.size() < lo || args.items.size() > hi) {
        error(ErrorCode::kFormat,
              name + " called with " + std::to_string(args.items.size()) + " arguments");
      }
    };
    switch (fn.callable) {
      case Callable::kOrderedDict:
        arity(0, 0);
        return make(Kind::kDict);
      case Callable::kRebuildTensorV2:
      case Callable::kRebuildTensor: {
        if (fn.callable == Callable::kRebuildTensorV2) {
          arity(6, 7);  // storage, offset, size, stride, requires_grad, hooks[, metadata]
          if (arg(args, 4).kind != Kind::kBool) {
            error(ErrorCode::kFormat, name + ": requires_grad must be a bool");
          }
          if (arg(args, 5).kind != Kind::kDict) {
            error(ErrorCode::kFormat, name + ": backward hooks must be an OrderedDict");
          }
        } else {
          arity(4, 4);
        }
        const Node& storage = arg(args, 0);
        if (storage.kind != Kind::kStorage) {
          error(ErrorCode::kFormat, name + ": the first argument is not a storage");
        }
        TensorRef t;
        t.storage = static_cast<uint32_t>(storage.i);
        t.offset = int_arg(arg(args, 1), "storage offset");
        t.shape = ints_arg(arg(args, 2), "tensor size");
        t.stride = ints_arg(arg(args, 3), "tensor stride");
        const uint32_t id = make(Kind::kTensor);
        nodes_[id].i = static_cast<int64_t>(tensors_.size());
        tensors_.push_back(std::move(t));
        return id;
      }
      case Callable::kRebuildParameter:
      case Callable::kRebuildParameterWithState:
        if (fn.callable == Callable::kRebuildParameter) {
          arity(3, 3);  // data, requires_grad, hooks
        } else {
          arity(4, 4);  // data, requires_grad, hooks, state
        }
        if (arg(args, 0).kind != Kind::kTensor) {
          error(ErrorCode::kFormat, name + ": the first argument is not a tensor");
        }
        return args.items[0];
      case Callable::kStorageType:
        break;
    }
    error(ErrorCode::kFormat, name + " may not be called");
  }

  const std::string& path_;
  std::string where_;
  PersistentIds pids_;
  const uint8_t* b_ = nullptr;
  size_t n_ = 0, pos_ = 0, op_at_ = 0, items_ = 0;
  std::vector<Node> nodes_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, uint32_t> memo_;
  std::vector<StorageRef> storages_;
  std::vector<TensorRef> tensors_;
};

// ---- tensors ---------------------------------------------------------------------------------

std::string dims_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// The state dict of `top` as TensorInfo; `base[k]` is the first byte of storages()[k] (of its
// root storage, before any legacy view offset), already checked to hold numel elements.
std::vector<TensorInfo> collect_tensors(const Unpickler& u, uint32_t top,
                                        const std::vector<const uint8_t*>& base,
                                        const std::string& path, const std::string& where) {
  const Node& dict = u.node(top);
  if (dict.kind != Kind::kDict) {
    fail(ErrorCode::kFormat, path,
         where +
             ": the saved object is not a dict of tensors (a state "
             "dict); lightbert reads torch.save(model.state_dict())");
  }
  std::vector<TensorInfo> out;
  for (size_t k = 0; k + 1 < dict.items.size(); k += 2) {
    const Node& key = u.node(dict.items[k]);
    const Node& value = u.node(dict.items[k + 1]);
    if (key.kind != Kind::kStr) {
      fail(ErrorCode::kFormat, path, where + ": a state dict key is not a string");
    }
    const std::string what = "tensor " + quote_name(key.s) + ": ";
    if (value.kind != Kind::kTensor) {
      fail(ErrorCode::kFormat, path, where + ": " + what + "the value is not a tensor");
    }
    const TensorRef& t = u.tensors()[static_cast<size_t>(value.i)];
    const StorageRef& s = u.storages()[t.storage];
    if (t.shape.size() != t.stride.size()) {
      fail(ErrorCode::kFormat, path,
           what + "size " + dims_text(t.shape) + " and stride " + dims_text(t.stride) +
               " differ in rank");
    }
    uint64_t numel = 1;
    bool overflow = false, empty = false;
    for (int64_t d : t.shape) {
      if (d < 0) fail(ErrorCode::kFormat, path, what + "negative size " + dims_text(t.shape));
      empty = empty || d == 0;
      if (d != 0) {
        overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel);
      }
    }
    // The non-zero dimensions must not overflow even in an empty tensor: TensorInfo::numel()
    // multiplies them in order.
    if (empty && !overflow) numel = 0;
    const size_t esize = dtype_size(s.dtype);
    uint64_t nbytes = 0;
    if (overflow || numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(numel, esize, &nbytes)) {
      fail(ErrorCode::kFormat, path, what + "size " + dims_text(t.shape) + " overflows");
    }
    if (numel > 0) {
      int64_t expected = 1;
      for (size_t d = t.shape.size(); d-- > 0;) {
        if (t.shape[d] != 1 && t.stride[d] != expected) {
          fail(ErrorCode::kUnsupported, path,
               what + "not contiguous (size " + dims_text(t.shape) + ", stride " +
                   dims_text(t.stride) +
                   "); save tensor.contiguous() instead (lightbert reads row-major tensors)");
        }
        expected *= t.shape[d];  // <= numel: no overflow
      }
    }
    if (t.offset < 0 || static_cast<uint64_t>(t.offset) > s.view_numel ||
        numel > s.view_numel - static_cast<uint64_t>(t.offset)) {
      fail(ErrorCode::kFormat, path,
           what + "storage offset " + std::to_string(t.offset) + " + " + std::to_string(numel) +
               " elements reach past its storage " + quote_name(s.key) + " (" +
               std::to_string(s.view_numel) + " elements)");
    }
    TensorInfo info;
    info.name = key.s;
    info.dtype = s.dtype;
    info.shape = t.shape;
    info.data = base[t.storage] + (s.view_offset + static_cast<uint64_t>(t.offset)) * esize;
    info.nbytes = static_cast<size_t>(nbytes);
    info.file = path;
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].name == out[i - 1].name) {
      fail(ErrorCode::kFormat, path, "tensor " + quote_name(out[i].name) + " is stored twice");
    }
  }
  return out;
}

std::vector<TensorInfo> parse_zip(const uint8_t* bytes, size_t size, const std::string& path) {
  ZipReader zip(bytes, size, path);
  const ZipEntry* pkl = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      if (pkl != nullptr) {
        fail(ErrorCode::kFormat, path,
             "zip holds two pickles: " + quote_name(pkl->name) + " and " + quote_name(e.name));
      }
      pkl = &e;
    }
  }
  if (pkl == nullptr) {
    fail(ErrorCode::kFormat, path,
         "a zip archive without PREFIX/data.pkl: not a checkpoint written by torch.save");
  }
  const std::string prefix = pkl->name.substr(0, pkl->name.size() - std::strlen("data.pkl"));
  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    const std::string text(reinterpret_cast<const char*>(zip.stored(*order).data),
                           static_cast<size_t>(std::min<uint64_t>(order->size, 16)));
    if (text == "big") {
      fail(ErrorCode::kUnsupported, path, "big-endian checkpoint (byteorder 'big')");
    }
    if (text != "little") {
      fail(ErrorCode::kFormat, path,
           quote_name(order->name) + " is " + quote_name(text) + ", expected 'little' or 'big'");
    }
  }
  zip.stored(*pkl);
  if (crc32(pkl->data, static_cast<size_t>(pkl->size)) != pkl->crc) {
    fail(ErrorCode::kFormat, path, quote_name(pkl->name) + " fails its CRC check (damaged file)");
  }
  Unpickler u(path, pkl->name, PersistentIds::kZip);
  size_t used = 0;
  const uint32_t top = u.run(pkl->data, static_cast<size_t>(pkl->size), &used);

  std::vector<const uint8_t*> base;
  std::map<std::string, DType> key_dtype;
  for (const StorageRef& s : u.storages()) {
    auto [it, fresh] = key_dtype.emplace(s.key, s.dtype);
    if (!fresh && it->second != s.dtype) {
      fail(ErrorCode::kFormat, path,
           "storage " + quote_name(s.key) + " is named as both " + dtype_name(it->second) +
               " and " + dtype_name(s.dtype));
    }
    const std::string name = prefix + "data/" + s.key;
    const ZipEntry* e = zip.find(name);
    if (e == nullptr) {
      fail(ErrorCode::kFormat, path,
           "storage " + quote_name(s.key) + " has no zip entry " + quote_name(name));
    }
    zip.stored(*e);
    const size_t esize = dtype_size(s.dtype);
    if (s.numel > std::numeric_limits<uint64_t>::max() / esize || e->size != s.numel * esize) {
      fail(ErrorCode::kFormat, path,
           "storage " + quote_name(s.key) + " declares " + std::to_string(s.numel) + " " +
               dtype_name(s.dtype) + " elements but its entry holds " + std::to_string(e->size) +
               " bytes");
    }
    base.push_back(e->data);
  }
  return collect_tensors(u, top, base, path, pkl->name);
}

std::vector<TensorInfo> parse_legacy(const uint8_t* bytes, size_t size, const std::string& path) {
  size_t pos = 0, used = 0;
  auto run = [&](Unpickler& u) {
    const uint32_t r = u.run(bytes + pos, size - pos, &used);
    pos += used;
    return r;
  };
  Unpickler header(path, "legacy header pickle", PersistentIds::kNone);
  const Node& magic = header.node(run(header));
  if (magic.kind != Kind::kBigInt || magic.s.size() != sizeof kLegacyMagic ||
      std::memcmp(magic.s.data(), kLegacyMagic, sizeof kLegacyMagic) != 0) {
    fail(ErrorCode::kFormat, path, "not a torch.save file (legacy magic number missing)");
  }
  Unpickler version(path, "legacy protocol pickle", PersistentIds::kNone);
  const Node& v = version.node(run(version));
  if (v.kind != Kind::kInt || v.i != 1001) {
    fail(ErrorCode::kUnsupported, path, "legacy torch.save protocol is not 1001");
  }
  Unpickler info(path, "legacy sys_info pickle", PersistentIds::kNone);
  const Node& sys = info.node(run(info));
  bool little = false;
  if (sys.kind == Kind::kDict) {
    for (size_t k = 0; k + 1 < sys.items.size(); k += 2) {
      const Node& key = info.node(sys.items[k]);
      const Node& value = info.node(sys.items[k + 1]);
      if (key.kind == Kind::kStr && key.s == "little_endian") {
        little = value.kind == Kind::kBool && value.i == 1;
      }
    }
  }
  if (!little) fail(ErrorCode::kUnsupported, path, "big-endian (or unknown byte order) checkpoint");

  const size_t main_at = pos;
  Unpickler u(path, "pickle at byte " + std::to_string(main_at), PersistentIds::kLegacy);
  const uint32_t top = run(u);
  Unpickler keys_u(path, "storage keys pickle", PersistentIds::kNone);
  const Node& keys = keys_u.node(run(keys_u));
  if (keys.kind != Kind::kList) {
    fail(ErrorCode::kFormat, path, "legacy storage keys are not a list");
  }
  // Each listed storage: int64 element count, then its bytes, in list order.
  std::map<std::string, std::pair<DType, uint64_t>> declared;
  for (const StorageRef& s : u.storages()) {
    auto [it, fresh] = declared.emplace(s.key, std::make_pair(s.dtype, s.numel));
    if (!fresh && it->second != std::make_pair(s.dtype, s.numel)) {
      fail(ErrorCode::kFormat, path,
           "storage " + quote_name(s.key) + " is declared with two types or sizes");
    }
  }
  std::map<std::string, const uint8_t*> data;
  for (uint32_t kid : keys.items) {
    const Node& key = keys_u.node(kid);
    if (key.kind != Kind::kStr) fail(ErrorCode::kFormat, path, "a legacy storage key is not text");
    auto it = declared.find(key.s);
    if (it == declared.end()) {
      fail(ErrorCode::kFormat, path, "storage " + quote_name(key.s) + " is listed but unused");
    }
    if (size - pos < 8) {
      fail(ErrorCode::kFormat, path, "truncated: storage " + quote_name(key.s) + " is missing");
    }
    const uint64_t count = rd64(bytes + pos);
    pos += 8;
    const size_t esize = dtype_size(it->second.first);
    if (count != it->second.second || count > (size - pos) / esize) {
      fail(ErrorCode::kFormat, path,
           "storage " + quote_name(key.s) + " holds " + std::to_string(count) + " elements where " +
               std::to_string(it->second.second) +
               " are declared, or runs past the end of the file");
    }
    if (!data.emplace(key.s, bytes + pos).second) {
      fail(ErrorCode::kFormat, path, "storage " + quote_name(key.s) + " is listed twice");
    }
    pos += static_cast<size_t>(count * esize);
  }
  std::vector<const uint8_t*> base;
  for (const StorageRef& s : u.storages()) {
    auto it = data.find(s.key);
    if (it == data.end()) {
      fail(ErrorCode::kFormat, path, "storage " + quote_name(s.key) + " has no data");
    }
    base.push_back(it->second);
  }
  return collect_tensors(u, top, base, path, "pickle at byte " + std::to_string(main_at));
}

}  // namespace

bool looks_like_torch_checkpoint(const uint8_t* bytes, size_t size) noexcept {
  if (size >= 4 && rd32(bytes) == 0x04034b50u) return true;
  return size >= 14 && bytes[0] == 0x80 && bytes[2] == 0x8a && bytes[3] == 10 &&
         std::memcmp(bytes + 4, kLegacyMagic, sizeof kLegacyMagic) == 0;
}

std::vector<TensorInfo> parse_torch_checkpoint(const uint8_t* bytes, size_t size,
                                               const std::string& path) {
  if (size >= 4 && (rd32(bytes) == 0x04034b50u || rd32(bytes) == 0x06054b50u)) {
    return parse_zip(bytes, size, path);
  }
  if (size >= 1 && bytes[0] == 0x80) return parse_legacy(bytes, size, path);
  if (size >= 262 && std::memcmp(bytes + 257, "ustar", 5) == 0) {
    fail(ErrorCode::kUnsupported, path,
         "a tar archive: the pre-1.0 torch.save format is not supported");
  }
  fail(ErrorCode::kFormat, path,
       "not a PyTorch checkpoint (neither torch.save's zip format nor its legacy pickle format)");
}

TorchCheckpointFile open_torch_checkpoint(const std::string& path) {
  TorchCheckpointFile f;
  f.file = runtime::MappedFile(path);
  f.tensors = parse_torch_checkpoint(f.file.data(), f.file.size(), path);
  return f;
}

}  // namespace lightbert::formats
