"""bench/compare_table.py: the tables of bench/compare.sh (Markdown on stdout).

Contract: reads OUT/raw/<runtime>__<model>__r<round>.json (lightbert: a list of
{"name", "result": bench --json object}; ORT / PyTorch: the oracle's bench JSON), OUT/peak.txt
and the oracle's cases.json / model configs; per model and case keeps each runtime's best
process median (lowest over the rounds), and prints ms per runtime, lightbert GFLOP/s (real
tokens only) and % of the measured peak, the ratio lightbert / best ORT (plain or fused) against
the issue's target (ok / MISS), the useful GFLOP/s of the best ORT, and the largest share of the
CPUs other processes used during any of the row's timed runs. When reduced-precision runtimes
ran (lightbert-int8 / lightbert-bf16 / ort-int8 / ort-int8-fused / torch-int8), a second table
gives their ms, the ratios lightbert-int8 / best ORT int8 (plain or fused), lightbert-int8 /
lightbert fp32 and lightbert-bf16 / lightbert fp32 against the issue's targets, and lightbert
int8's GOP/s as % of the int8 peak its bench measured (the int8 probe).
usage: compare_table.py --out OUT --oracle DIR --models M... --cases C...
"""
import argparse
import glob
import json
import os
import sys

TARGETS = {"b1_s16": 0.75, "b1_s128": 0.90, "b1_s512": 0.90, "b32_s128": 0.90,
           "b32_var8-128": 0.50}
PEERS = ["ort-fp32", "ort-fp32-fused", "torch-fp32"]
REDUCED = ["lightbert-int8", "lightbert-bf16", "ort-int8", "ort-int8-fused", "torch-int8"]
# issue 5 targets (set for VNNI / AVX512-BF16 CPUs)
INT8_VS_ORT = {"b1_s128": 0.6, "b32_s128": 0.6, "b32_var8-128": 0.4}
INT8_VS_FP32 = {"b32_s128": 0.35}
BF16_VS_FP32 = 0.6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--cases", nargs="+", required=True)
    a = ap.parse_args()
    sys.path.insert(0, a.oracle)
    import bertlib  # noqa: E402  (the oracle's FLOP count)

    peak = float(open(os.path.join(a.out, "peak.txt")).read())
    with open(os.path.join(a.out, "cases.json")) as f:
        cases = {c["name"]: c for c in json.load(f)}
    # best[(runtime, model, case)] = (median_s, other_cpu_frac, all process medians)
    best = {}
    int8_pct = {}  # (model, case) -> % of the int8 peak of lightbert-int8's best process
    for p in sorted(glob.glob(os.path.join(a.out, "raw", "*.json"))):
        rt, model, _ = os.path.basename(p)[:-5].split("__")
        try:
            with open(p) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        rows = []
        if rt.startswith("lightbert"):
            for e in data:
                r = e["result"]
                rows.append((e["name"], r["median_ms"] / 1e3, r["other_cpu_frac"]))
                if rt == "lightbert-int8" and "pct_of_int8_peak" in r:
                    old = best.get((rt, model, e["name"]))
                    if old is None or r["median_ms"] / 1e3 < old[0]:
                        int8_pct[(model, e["name"])] = r["pct_of_int8_peak"]
        else:
            for c in data["cases"]:
                rows.append((c["name"], c["median_s"], c.get("other_cpu_frac", 0.0)))
        for name, med, other in rows:
            key = (rt, model, name)
            old = best.get(key)
            meds = (old[2] if old else []) + [med]
            if old is None or med < old[0]:
                best[key] = (med, other, meds)
            else:
                best[key] = (old[0], old[1], meds)

    print(f"peak: {peak:.1f} GFLOP/s (OUT/peak.txt: YMM peak_fma or PEAK=); times are the best process "
          f"median over the rounds, in ms")
    print()
    print("| model | case | lightbert | ORT | ORT fused | PyTorch | lightbert GFLOP/s | % peak "
          "| best-ORT GFLOP/s | lightbert / best ORT | target | other CPU |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    misses = 0
    for m in a.models:
        with open(os.path.join(a.oracle, "models", m, "config.json")) as f:
            cfg = json.load(f)
        for c in a.cases:
            case = cases[c]
            _, useful = bertlib.case_flops(cfg, case)
            lb = best.get(("lightbert", m, c))
            peers = {rt: best.get((rt, m, c)) for rt in PEERS}
            ort = [peers[k][0] for k in ("ort-fp32", "ort-fp32-fused") if peers[k]]

            def ms(v):
                return f"{v[0] * 1e3:.2f}" if v else "-"
            gf = useful / lb[0] / 1e9 if lb else None
            ratio = lb[0] / min(ort) if lb and ort else None
            target = TARGETS.get(c)
            mark = "-" if ratio is None or target is None else (
                "ok" if ratio <= target else "MISS")
            misses += mark == "MISS"
            others = [v[1] for v in [lb, *peers.values()] if v]
            print(f"| {m} | {c} | {ms(lb)} | {ms(peers['ort-fp32'])} | "
                  f"{ms(peers['ort-fp32-fused'])} | {ms(peers['torch-fp32'])} | "
                  f"{gf:.1f} | {100 * gf / peak:.0f}% | "
                  f"{useful / min(ort) / 1e9:.1f} | " if gf and ort else
                  f"| {m} | {c} | {ms(lb)} | {ms(peers['ort-fp32'])} | "
                  f"{ms(peers['ort-fp32-fused'])} | {ms(peers['torch-fp32'])} | - | - | - | ",
                  end="")
            print(f"{ratio:.2f} | <= {target:.2f} {mark} | " if ratio else f"- | <= {target} - | ",
                  end="")
            print(f"{100 * max(others):.0f}% |" if others else "- |")
    print()
    print(f"targets missed: {misses}")
    if any(k[0] in REDUCED for k in best):
        reduced_table(a, best, int8_pct)


def reduced_table(a, best, int8_pct):
    def ms(v):
        return f"{v[0] * 1e3:.2f}" if v else "-"

    def ratio(x, y, target):
        if not x or not y:
            return "-"
        r = x[0] / y[0]
        if target is None:
            return f"{r:.2f}"
        return f"{r:.2f} (<= {target:.2f} {'ok' if r <= target else 'MISS'})"

    print()
    print("reduced precision (int8: dynamic, per-row u8 activations x per-channel s8 weights; "
          "bf16 weights): best process median in ms")
    print()
    print("| model | case | lightbert fp32 | lightbert int8 | lightbert bf16 | ORT int8 | "
          "ORT int8 fused | PyTorch int8 | int8 / best ORT int8 | int8 / fp32 | bf16 / fp32 "
          "| int8 % of int8 peak | other CPU |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:|")
    for m in a.models:
        for c in a.cases:
            v = {rt: best.get((rt, m, c)) for rt in ["lightbert", *REDUCED]}
            if not any(v[rt] for rt in REDUCED):
                continue
            orts = [v[k] for k in ("ort-int8", "ort-int8-fused") if v[k]]
            best_ort = min(orts) if orts else None
            pct = int8_pct.get((m, c))
            others = [x[1] for x in v.values() if x]
            print(f"| {m} | {c} | {ms(v['lightbert'])} | {ms(v['lightbert-int8'])} | "
                  f"{ms(v['lightbert-bf16'])} | {ms(v['ort-int8'])} | {ms(v['ort-int8-fused'])} | "
                  f"{ms(v['torch-int8'])} | {ratio(v['lightbert-int8'], best_ort, INT8_VS_ORT.get(c))} | "
                  f"{ratio(v['lightbert-int8'], v['lightbert'], INT8_VS_FP32.get(c))} | "
                  f"{ratio(v['lightbert-bf16'], v['lightbert'], BF16_VS_FP32)} | "
                  f"{f'{pct:.0f}%' if pct is not None else '-'} | "
                  f"{f'{100 * max(others):.0f}%' if others else '-'} |")


if __name__ == "__main__":
    main()
