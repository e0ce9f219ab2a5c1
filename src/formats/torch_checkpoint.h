// formats/torch_checkpoint.h: reader of PyTorch checkpoints (pytorch_model.bin) that needs no
// torch and never executes pickle.
// Contract: parse_torch_checkpoint() takes the whole image of a file written by torch.save() of a
// dict of tensors (a state dict) and returns its tensors, sorted by name, with data pointers into
// the given bytes, or throws lightbert::Error naming `path` and what is at fault: kFormat for
// malformed or disallowed content, kUnsupported for well-formed content lightbert does not read
// (big-endian data, compressed or encrypted zip entries, non-contiguous tensors, storage types
// other than those below). Two layouts are read:
//  - the zip format (torch >= 1.6's default): PREFIX/data.pkl (the pickle, CRC-checked),
//    PREFIX/data/KEY (one stored, uncompressed entry per storage), optional PREFIX/byteorder
//    ("little"); zip64 fields are honoured. The zip directory is parsed here (no libzip): torch
//    writes stored entries only, and tensors must point into the mapped file;
//  - the legacy format (torch < 1.6, or _use_new_zipfile_serialization=False): the magic number,
//    protocol (1001) and sys_info (little-endian) pickles, the object pickle, the sorted storage
//    keys pickle, then each storage as an int64 element count followed by its bytes.
// The pickle runs on a restricted machine that builds plain values only (the opcodes of protocol
// 2 that torch.save emits, plus FRAME / SHORT_BINUNICODE / MEMOIZE / STACK_GLOBAL of protocol 4).
// The only globals accepted are collections.OrderedDict, torch._utils._rebuild_tensor_v2,
// _rebuild_tensor, _rebuild_parameter, _rebuild_parameter_with_state and the typed storages
// torch.{Float,Half,BFloat16,Double,Long,Int,Short,Char,Byte,Bool}Storage (F32, F16, BF16, F64,
// I64, I32, I16, I8, U8, BOOL; read_f32 later accepts only the first three); persistent ids must
// be ('storage', type, key, location, numel[, view]). Any other global, opcode or call is an
// error naming the file, the byte offset in the pickle and the global/opcode. The top object must
// be a dict of str -> tensor (a key stored twice is an error). A tensor's storage offset and
// extent must lie inside its storage and its strides must be those of the contiguous layout
// (size-1 dimensions excepted); several tensors may share one storage (tied weights). Limits
// (errors, not crashes): 1M pickle objects, stack entries and MARKs, 4M container elements,
// nesting depth 100, rank 64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "runtime/mapped_file.h"

namespace lightbert::formats {

// True when the bytes start like a torch.save file (a zip local header, or a pickle PROTO opcode
// followed by the legacy format's magic-number LONG1).
bool looks_like_torch_checkpoint(const uint8_t* bytes, size_t size) noexcept;

std::vector<TensorInfo> parse_torch_checkpoint(const uint8_t* bytes, size_t size,
                                               const std::string& path);

// A mapped file plus its tensors; tensors point into `file`.
struct TorchCheckpointFile {
  runtime::MappedFile file;
  std::vector<TensorInfo> tensors;
};

// Maps and parses `path` (kIo when it cannot be read).
TorchCheckpointFile open_torch_checkpoint(const std::string& path);

}  // namespace lightbert::formats
