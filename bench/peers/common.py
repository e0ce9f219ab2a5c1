"""bench/peers/common.py: what every peer runner shares (no torch, no peer imports).

Contract: numpy and the standard library only, so it imports under Debian's /usr/bin/python3 (the
PyTorch peer) and under the peers' venv (ONNX Runtime, OpenVINO, CTranslate2) alike.
* load_cases(path): the oracle's cases.json (bertlib.bench_cases: seeded ids, right-padded with 0
  to seq_len) as dicts with int64 arrays input_ids / attention_mask / token_type_ids [B, S].
* time_case(fn, runs, min_runs, budget_s, warmup): the oracle's timing rule (timing.py): one first
  call, warm-up, then at most `runs` timed calls (fewer, never below min_runs, when `runs` would
  exceed budget_s), returning median / min / max seconds and the share of both CPUs that other
  processes used while timing (/proc/stat minus this process' rusage).
* read_safetensors(path): {name: np.ndarray} of a safetensors file (F32/F16/BF16/I64), no copy
  beyond the dtype conversion; the header is parsed as JSON, data offsets are checked.
* encoder_flops(cfg, batch, seq_len) (from flops.py, shared with bench/compare_table.py): bertlib.encoder_flops (dense layers + Q K^T + P V + pooler,
  2 FLOPs per multiply-add), so the table needs no torch.
"""
import json
import os
import resource
import statistics
import struct
import time

import numpy as np

from flops import encoder_flops  # noqa: F401  (re-exported for the runners)

_TICK = os.sysconf("SC_CLK_TCK")


def load_cases(path, only=None):
    with open(path) as f:
        cases = json.load(f)
    out = []
    for c in cases:
        if only and c["name"] not in only:
            continue
        shape = (c["batch"], c["seq_len"])
        for k in ("input_ids", "attention_mask", "token_type_ids"):
            c[k] = np.asarray(c[k], dtype=np.int64).reshape(shape)
        out.append(c)
    return out


def _machine_busy_s():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / _TICK


def _self_cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_case(fn, runs, min_runs, budget_s, warmup):
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    for _ in range(max(0, warmup - 1)):
        fn()
    n = runs if first <= 0 else max(min_runs, min(runs, int(budget_s / first)))
    times = []
    b0, c0, w0 = _machine_busy_s(), _self_cpu_s(), time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    b1, c1, w1 = _machine_busy_s(), _self_cpu_s(), time.perf_counter()
    ncpu = os.cpu_count() or 1
    other = max(0.0, (b1 - b0) - (c1 - c0))
    return {"runs": n, "warmup": warmup, "times_s": times, "median_s": statistics.median(times),
            "min_s": min(times), "max_s": max(times),
            "other_cpu_frac": other / ((w1 - w0) * ncpu)}


_ST_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
              "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        if not 0 <= b <= e <= len(data) - base:
            raise ValueError(f"{path}: tensor {name} lies outside the file")
        raw = data[base + b:base + e]
        if t["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        elif t["dtype"] in _ST_DTYPES:
            arr = np.frombuffer(raw, dtype=np.dtype(_ST_DTYPES[t["dtype"]]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {t['dtype']}")
        out[name] = arr.reshape(t["shape"])
    return out


def useful_flops(cfg, case):
    """FLOPs of the real tokens only (each sequence at its own length)."""
    return sum(encoder_flops(cfg, 1, n) for n in case["lengths"])
