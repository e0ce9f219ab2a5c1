#!/usr/bin/python3
"""tools/make_torch_fixtures.py: writes tests/data/formats/torch/, the pytorch_model.bin fixtures
of tests/unit/torch_checkpoint_test.cpp, with real torch.save (Debian's python3-torch 1.13).

Contract: fixed values (the committed safetensors weights and arange-based tensors); the zip files
are byte-identical run to run, the legacy ones differ only in their storage keys (torch names
legacy storages by object id). Needs torch and numpy only. Writes:
  ner/                the weights of tests/data/heads/chinese-ner/model.safetensors, bit for bit,
                      as torch.save(state_dict) in the zip format: an OrderedDict with the
                      _metadata attribute a real state_dict() carries, plus the int64
                      bert.embeddings.position_ids buffer older transformers saved; with the
                      folder's config.json, vocab.txt and tokenizer_config.json
  ner-legacy/         the same state dict in the legacy (non-zip) format
                      (_use_new_zipfile_serialization=False), without position_ids
  ner-sharded/        the same weights sharded as transformers does (pytorch_model.bin.index.json
                      + two shards): embeddings in BF16, the rest in F16 (torch's rounding)
  special.bin         tied weights (one tensor under two names), a view with a storage offset
                      into a shared storage, a size-1 dimension with an odd stride, a 0-d and an
                      empty tensor, an nn.Parameter, and one tensor of each accepted dtype
  special-legacy.bin  special.bin's dict in the legacy format
  transposed.bin      a non-contiguous (transposed) tensor: rejected
  complex.bin         a complex64 tensor: rejected
  list.bin            a list of tensors instead of a dict: rejected
  hostile-reduce.bin  torch.save of an object whose __reduce__ is os.system: rejected, never run
  st-dense/2_Dense/pytorch_model.bin  the weights of tests/data/heads/st-dense/2_Dense
Run from the repository root: /usr/bin/python3 tools/make_torch_fixtures.py
"""
import collections
import json
import os
import shutil
import struct

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "tests", "data", "heads", "chinese-ner")
OUT = os.path.join(ROOT, "tests", "data", "formats", "torch")


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = collections.OrderedDict()
    for name in sorted(k for k in header if k != "__metadata__"):
        e = header[name]
        assert e["dtype"] == "F32", name
        b, en = e["data_offsets"]
        arr = np.frombuffer(data[b:en], dtype="<f4").reshape(e["shape"]).copy()
        out[name] = torch.from_numpy(arr)
    return out


def state_dict(tensors):
    """An OrderedDict shaped like nn.Module.state_dict(): with its _metadata attribute."""
    sd = collections.OrderedDict(tensors)
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bert", {"version": 1}),
                                            ("bert.embeddings", {"version": 1})])
    return sd


def folder(name, weights):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in ("config.json", "vocab.txt", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(SRC, f), os.path.join(d, f))
    for f, obj, legacy in weights:
        torch.save(obj, os.path.join(d, f), _use_new_zipfile_serialization=not legacy)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo lightbert-ran-pickle-code > /tmp/lightbert-pwned",))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    weights = load_safetensors(os.path.join(SRC, "model.safetensors"))

    with_ids = collections.OrderedDict(weights)
    with_ids["bert.embeddings.position_ids"] = torch.arange(64, dtype=torch.int64).unsqueeze(0)
    folder("ner", [("pytorch_model.bin", state_dict(with_ids), False)])
    folder("ner-legacy", [("pytorch_model.bin", state_dict(weights), True)])

    first = collections.OrderedDict(
        (k, v.to(torch.bfloat16)) for k, v in weights.items() if ".embeddings." in k)
    second = collections.OrderedDict(
        (k, v.to(torch.float16)) for k, v in weights.items() if ".embeddings." not in k)
    names = ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"]
    folder("ner-sharded", [(names[0], state_dict(first), False),
                           (names[1], state_dict(second), False)])
    index = {"metadata": {"total_size": sum(v.numel() * 2 for v in weights.values())},
             "weight_map": {k: names[0] if k in first else names[1] for k in weights}}
    with open(os.path.join(OUT, "ner-sharded", "pytorch_model.bin.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)

    # special.bin: values the test knows (arange-based).
    base = torch.arange(12, dtype=torch.float32) * 0.5 - 1.0  # -1.0, -0.5, ..., 4.5
    grid = base.reshape(3, 4)
    odd = torch.arange(4, dtype=torch.float32).as_strided((1, 4), (7, 1))
    special = collections.OrderedDict([
        ("word_embeddings.weight", grid),          # storage A
        ("decoder.weight", grid),                  # tied: the same tensor
        ("rows_1_2", grid[1:]),                    # storage A, offset 4, [2, 4]
        ("odd_stride", odd),                       # [1, 4] with stride (7, 1)
        ("scalar", torch.tensor(2.5)),
        ("empty", torch.zeros(0, 3)),
        ("param", torch.nn.Parameter(torch.tensor([1.5, -2.0]))),
        ("f16", torch.tensor([1.0, -2.0, 65504.0], dtype=torch.float16)),
        ("bf16", torch.tensor([1.0, 3.140625, -0.5], dtype=torch.bfloat16)),
        ("f64", torch.tensor([0.1], dtype=torch.float64)),
        ("i64", torch.tensor([-3, 1 << 40], dtype=torch.int64)),
        ("i32", torch.tensor([7], dtype=torch.int32)),
        ("i16", torch.tensor([-7], dtype=torch.int16)),
        ("i8", torch.tensor([-8], dtype=torch.int8)),
        ("u8", torch.tensor([200], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False])),
    ])
    torch.save(special, os.path.join(OUT, "special.bin"))
    torch.save(special, os.path.join(OUT, "special-legacy.bin"),
               _use_new_zipfile_serialization=False)
    torch.save({"w": torch.arange(6, dtype=torch.float32).reshape(2, 3).t()},
               os.path.join(OUT, "transposed.bin"))
    torch.save({"c": torch.zeros(2, dtype=torch.complex64)}, os.path.join(OUT, "complex.bin"))
    torch.save([torch.zeros(2)], os.path.join(OUT, "list.bin"))
    torch.save({"w": torch.zeros(2), "x": Evil()}, os.path.join(OUT, "hostile-reduce.bin"))

    dense = os.path.join(OUT, "st-dense", "2_Dense")
    os.makedirs(dense)
    torch.save(load_safetensors(os.path.join(ROOT, "tests", "data", "heads", "st-dense", "2_Dense",
                                             "model.safetensors")),
               os.path.join(dense, "pytorch_model.bin"))

    # Self-check: torch reads back what it wrote.
    back = torch.load(os.path.join(OUT, "ner", "pytorch_model.bin"))
    assert all(torch.equal(back[k], v) for k, v in weights.items())
    total = 0
    for dirpath, _, files in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
