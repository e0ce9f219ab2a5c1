# tests/data/formats/make_numpy_fixture.py: writes numpy_halves.safetensors, the independent
# reference for lightbert's F16/BF16 -> float conversion (checkpoint_test.cpp).
# The file is written by the oracle's own safetensors writer (bertlib.save_safetensors) and the
# expected floats are computed by numpy, not by lightbert:
#   f16       F16 [N]  bit patterns: every special class (zeros, subnormals, normals, max, inf,
#                      nan) plus seeded random patterns
#   f16_f32   F32 [N]  numpy's f16.astype(float32)
#   bf16_bits I32 [N]  bfloat16 bit patterns (numpy has no bfloat16 dtype)
#   bf16_f32  F32 [N]  numpy's (bits << 16).view(float32)
# Run: /usr/bin/python3 make_numpy_fixture.py /root/.cache/lightbert-oracle
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import bertlib  # noqa: E402

special = [0x0000, 0x8000, 0x0001, 0x8001, 0x0002, 0x03FF, 0x83FF, 0x0200, 0x0400, 0x0401,
           0x3C00, 0xBC00, 0x3C01, 0x3555, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7C01, 0x7E00,
           0xFE00, 0x7FFF, 0xFFFF, 0x4000, 0xC000, 0x4248, 0x5640, 0x0010, 0x0100, 0x1400]
rng = np.random.default_rng(20240611)
bits = np.concatenate([np.array(special, dtype=np.uint16),
                       rng.integers(0, 65536, size=512 - len(special), dtype=np.uint16)])
f16 = bits.view(np.float16)
bf16_special = [0x0000, 0x8000, 0x0001, 0x007F, 0x0080, 0x3F80, 0xBF80, 0x4049, 0x7F7F,
                0x7F80, 0xFF80, 0x7FC0, 0xFFC1, 0x3E80, 0xC2F7]
bf_bits = np.concatenate([np.array(bf16_special, dtype=np.uint32),
                          rng.integers(0, 65536, size=256 - len(bf16_special), dtype=np.uint32)])
bertlib.save_safetensors(sys.argv[2] if len(sys.argv) > 2 else "numpy_halves.safetensors", {
    "f16": f16,
    "f16_f32": f16.astype(np.float32),
    "bf16_bits": bf_bits.astype(np.int32),
    "bf16_f32": (bf_bits << 16).astype(np.uint32).view(np.float32),
}, metadata={"generator": "make_numpy_fixture.py (numpy " + np.__version__ + ")"})
