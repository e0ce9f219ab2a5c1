"""tests/python/test_compare_table.py: smoke test of bench/compare_table.py's parsing (no timing).

Contract: builds a fake results folder (cases.json, meta.json, a config.json and raw files in the
formats bench/peers/compare.py writes: lightbert with an ISA variant, two fp32 peers over two
rounds, an int8 peer, and a peer that failed with a reason), runs the table script under this
python and checks: the best process median per runtime, the ratios lightbert / best ORT and
lightbert / best peer, the int8 ratio, the ISA column, the missing-column reason and the output
check. Standard library only; speed itself is never checked here.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def _lb(ms, isa="avx2", pct=50.0):
    return {"median_ms": ms, "min_ms": ms, "max_ms": ms, "other_cpu_frac": 0.01, "isa": isa,
            "pct_of_peak": pct, "runs": 3}


def _peer(rt, s, sample):
    return {"runtime": rt, "model": "m", "sample": sample,
            "cases": [{"name": "b1_s16", "median_s": s, "min_s": s, "max_s": s,
                       "other_cpu_frac": 0.02}]}


def test_table(tmp_path):
    out = tmp_path
    raw = out / "raw"
    raw.mkdir()
    cfg = {"hidden_size": 4, "intermediate_size": 8, "num_hidden_layers": 1}
    _write(out / "config.json", cfg)
    _write(out / "cases.json", [{"name": "b1_s16", "batch": 1, "seq_len": 16, "lengths": [16]}])
    _write(out / "meta.json", {"cpu": "Test CPU", "flags": ["avx2"], "peak": 100.0, "threads": 2,
                               "rounds": 2, "models": {"m": str(out / "config.json")}})
    one = [[1.0, 2.0]]
    _write(raw / "lightbert@avx2__m__r1.json",
           {"runtime": "lightbert@avx2", "cases": [{"name": "b1_s16", "result": _lb(3.0)}]})
    _write(raw / "lightbert@avx2__m__r2.json",
           {"runtime": "lightbert@avx2", "cases": [{"name": "b1_s16", "result": _lb(2.0)}]})
    _write(raw / "lightbert-int8@avx2__m__r1.json",
           {"runtime": "lightbert-int8@avx2", "cases": [{"name": "b1_s16", "result": _lb(1.0)}]})
    _write(raw / "ort-fp32__m__r1.json", _peer("ort-fp32", 0.005, one))
    _write(raw / "ort-fp32__m__r2.json", _peer("ort-fp32", 0.004, one))
    _write(raw / "ct2-fp32__m__r1.json", _peer("ct2-fp32", 0.0025, [[1.0, 2.5]]))
    _write(raw / "ort-int8__m__r1.json", _peer("ort-int8", 0.004, one))
    _write(raw / "openvino-bf16__m__r1.json",
           {"runtime": "openvino-bf16", "model": "m", "error": "the CPU has no avx512_bf16"})
    r = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare_table.py"), "--out",
                        str(out), "--models", "m", "--cases", "b1_s16"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    fp32 = next(line for line in text.splitlines() if line.startswith("| m | b1_s16 | avx2 | 2.00"))
    cells = [c.strip() for c in fp32.strip("|").split("|")]
    # lightbert 2.00 (best of 3.0 / 2.0), ORT 4.00 (best of two rounds), CT2 2.50
    assert cells[3:9] == ["2.00", "4.00", "-", "-", "2.50", "-"], cells
    assert cells[12] == "0.50" and cells[13] == "<= 0.75 ok", cells
    assert cells[14] == "0.80 (CT2)", cells
    int8 = next(line for line in text.splitlines() if line.startswith("| m | b1_s16 | avx2 | 2.00 | 1.00"))
    assert "0.25 (<= -" not in int8 and "0.25 (ORT int8)" in int8 and "0.50" in int8, int8
    assert "`openvino-bf16`, m: the CPU has no avx512_bf16" in text
    assert "ct2-fp32 0.5" in text  # output check: max |2.5 - 2.0|
