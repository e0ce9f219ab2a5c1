#!/usr/bin/env python3
"""bench/peers/compare.py: lightbert against its PyPI peers on the oracle's cases, one table.

Contract: for each model (the oracle's seeded random models by name via --models, built with the
oracle's make_models.py when missing, and/or any BERT folder with config.json + model.safetensors
via --model DIR), writes the oracle's cases.json (make_cases.py: b1_s16, b1_s128, b1_s512,
b32_s128, b32_var8-128 = 32 lengths uniform in 8..128; identical seeded ids for every runtime),
prepares the peers' files (prepare.py, venv python) and then, for --rounds rounds, runs every
model x runtime in its own process, the runtime order rotating by one each round:
  lightbert[-int8|-bf16]  `lightbert bench --cases F --case C --dtype fp32|int8|bf16 --json`, one
                          process per case, padding-free (real lengths only); with --isa A,B,... once
                          per LIGHTBERT_ISA value (key lightbert...@A), else the default kernels;
                          the ISA a row ran on is read from bench's JSON ("isa")
  ort-*, openvino-*, ct2-*, torch-*   bench/peers/runners.py (venv python; torch-* under Debian's
                          /usr/bin/python3), padded batches (CTranslate2: ragged lists)
Raw results go to OUT/raw/<runtime>__<model>__r<round>.json; a runtime that fails writes its
reason there ({"error": ...}) and shows as a missing column, never stops the run. Then prints
bench/compare_table.py's Markdown (best process median per runtime, ratios of medians from
this same run) and writes it to OUT/table.md. Peak: --peak GFLOP/s, else the oracle's peak_fma.c
(256-bit build, best of 3) when a C compiler builds it, else lightbert's own probe per process.
2 threads by default (OMP_NUM_THREADS too). Exit status: 0, or 1 when lightbert itself failed.
usage: compare.py [--models all-MiniLM-L6-v2 ...] [--model DIR ...] [--cases C ...] [--rounds 2]
                  [--runs 10] [--runs-big 3] [--threads 2] [--runtimes RT ...] [--isa avx2,generic]
                  [--lightbert BIN] [--out DIR] [--peak G] [--venv DIR] [--oracle DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORACLE_SRC = os.path.join(ROOT, "..", "shared", "oracle")
LIGHTBERT_RTS = ["lightbert", "lightbert-int8", "lightbert-bf16"]
PEER_RTS = ["ort-fp32", "ort-fp32-fused", "ort-int8", "ort-int8-fused", "openvino-fp32",
            "openvino-bf16", "openvino-int8", "ct2-fp32", "ct2-int8", "torch-fp32", "torch-int8"]
DEFAULT_RTS = LIGHTBERT_RTS + PEER_RTS
ALL_CASES = ["b1_s16", "b1_s128", "b1_s512", "b32_s128", "b32_var8-128"]
SYS_PY = "/usr/bin/python3"


def log(msg):
    print(msg, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, **kw)


def ensure_oracle(oracle):
    if not os.path.exists(os.path.join(oracle, "bertlib.py")):
        log(f"== installing the oracle into {oracle}")
        sh(["bash", os.path.join(ORACLE_SRC, "install.sh"), oracle], stdout=sys.stderr)
    if not os.path.exists(os.path.join(oracle, "bertlib.py")):
        sys.exit(f"compare: no oracle in {oracle} (../shared/oracle/install.sh failed)")


def ensure_oracle_model(oracle, name):
    d = os.path.join(oracle, "models", name)
    if not os.path.exists(os.path.join(d, "model.safetensors")) or \
            not os.path.exists(os.path.join(d, "model.onnx")):
        log(f"== building the oracle's {name} (make_models.py)")
        env = dict(os.environ, OMP_NUM_THREADS="2")
        r = sh([SYS_PY, os.path.join(oracle, "make_models.py"), "--only", name], env=env)
        if r.returncode != 0:
            sys.exit(f"compare: make_models.py --only {name} failed")
    return d


def measure_peak(oracle, out, threads):
    exe = os.path.join(out, "peak_ymm")
    r = sh(["cc", "-O3", "-mavx2", "-mfma", "-DUSE_YMM", "-pthread",
            os.path.join(oracle, "peak_fma.c"), "-o", exe], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    best = None
    for _ in range(3):
        r = sh([exe, str(threads)], capture_output=True, text=True)
        try:
            v = json.loads(r.stdout.strip().splitlines()[-1])[f"fma_gflops_{threads}threads"]
            best = v if best is None else max(best, v)
        except (ValueError, IndexError, KeyError):
            pass
    return best


def run_lightbert(a, rt, isa, model, mdir, cases, raw):
    dtype = {"lightbert": "fp32", "lightbert-int8": "int8", "lightbert-bf16": "bf16"}[rt]
    env = dict(os.environ)
    if isa:
        env["LIGHTBERT_ISA"] = isa
    label = rt + (f"@{isa}" if isa else "")
    result = {"runtime": label, "model": model, "isa_requested": isa or None, "cases": []}
    ok = True
    for c in cases:
        big = "b32" in c and model.startswith("bert-base")
        n, warm = (a.runs_big, 1) if big else (a.runs, 3)
        cmd = [a.lightbert, "bench", "--model", mdir, "--cases", a.cases_json, "--case", c,
               "--runs", str(n), "--warmup", str(warm), "--threads", str(a.threads),
               "--dtype", dtype, "--json"]
        if a.peak:
            cmd += ["--peak-gflops", str(a.peak)]
        r = sh(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            reason = " ".join((r.stderr.strip() or f"exit {r.returncode}").split())[:300]
            result["error"] = reason
            log(f"  {label:22s} {model:18s} {c:13s} MISSING: {reason}")
            ok = False
            break
        j = json.loads(r.stdout)
        result["isa"] = j.get("isa")
        result["cases"].append({"name": c, "result": j})
        log(f"  {label:22s} {model:18s} {c:13s} median {j['median_ms']:9.2f} ms  (min "
            f"{j['min_ms']:.2f}, max {j['max_ms']:.2f}, n={j['runs']}, isa {j.get('isa')})"
            + (f"  [other processes used {100 * j['other_cpu_frac']:.0f}% CPU]"
               if j.get("other_cpu_frac", 0) > 0.05 else ""))
    with open(raw, "w") as f:
        json.dump(result, f, indent=1)
    return ok


def run_peer(a, rt, model, work, cases, raw):
    py = SYS_PY if rt.startswith("torch-") else os.path.join(a.venv, "bin", "python")
    cmd = [py, os.path.join(HERE, "runners.py"), "--runtime", rt, "--work", work, "--model-name",
           model, "--cases", a.cases_json, "--out", raw, "--oracle", a.oracle, "--threads",
           str(a.threads), "--runs", str(a.runs), "--min-runs", str(a.runs_big),
           "--case-budget", str(a.case_budget)]
    for c in cases:
        cmd += ["--only", c]
    if not os.path.exists(py):
        reason = f"{py} is missing (run bench/peers/setup.sh)"
    else:
        try:
            r = sh(cmd, timeout=a.peer_timeout, stderr=subprocess.PIPE, text=True)
            if os.path.exists(raw):
                return
            tail = (r.stderr or "").strip().splitlines()[-1:] or [f"exit {r.returncode}"]
            reason = f"the runner died (exit {r.returncode}): {tail[0]}"
        except subprocess.TimeoutExpired:
            reason = f"the runner took more than {a.peer_timeout} s"
    log(f"  {rt:22s} {model:18s} MISSING: {reason}")
    with open(raw, "w") as f:
        json.dump({"runtime": rt, "model": model, "error": reason[:400]}, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="*", default=None,
                    help="the oracle's random models by name (default: both unless --model)")
    ap.add_argument("--model", action="append", default=[], help="any BERT folder")
    ap.add_argument("--cases", nargs="+", default=ALL_CASES)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--runs-big", type=int, default=3)
    ap.add_argument("--case-budget", type=float, default=12.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runtimes", nargs="+", default=DEFAULT_RTS)
    ap.add_argument("--isa", default="", help="comma list of LIGHTBERT_ISA values to run")
    ap.add_argument("--lightbert", default=None)
    ap.add_argument("--out", default=os.path.join(ROOT, "build-bench", "peers"))
    ap.add_argument("--peak", type=float, default=None)
    ap.add_argument("--peer-timeout", type=int, default=1800)
    ap.add_argument("--venv", default=os.path.expanduser(
        os.environ.get("LIGHTBERT_PEERS_HOME", "~/.cache/lightbert-peers") + "/venv"))
    ap.add_argument("--oracle", default=os.path.expanduser(
        os.environ.get("LIGHTBERT_ORACLE_HOME", "~/.cache/lightbert-oracle")))
    a = ap.parse_args()
    bad = [r for r in a.runtimes if r not in DEFAULT_RTS]
    if bad:
        ap.error(f"unknown runtimes {bad}; known: {' '.join(DEFAULT_RTS)}")
    bad = [c for c in a.cases if c not in ALL_CASES]
    if bad:
        ap.error(f"unknown cases {bad}; known: {' '.join(ALL_CASES)}")
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    a.out = os.path.abspath(a.out)
    os.makedirs(os.path.join(a.out, "raw"), exist_ok=True)
    for f in os.listdir(os.path.join(a.out, "raw")):
        os.remove(os.path.join(a.out, "raw", f))

    ensure_oracle(a.oracle)
    models = {}  # name -> folder
    names = a.models if a.models is not None else ([] if a.model else
                                                   ["all-MiniLM-L6-v2", "bert-base-uncased"])
    for n in names:
        models[n] = ensure_oracle_model(a.oracle, n)
    for d in a.model:
        models[os.path.basename(os.path.normpath(d))] = os.path.abspath(d)

    if a.lightbert is None:
        a.lightbert = os.path.join(ROOT, "build", "lightbert")
        if not os.path.exists(a.lightbert):
            b = os.path.join(ROOT, "build-bench")
            sh(["cmake", "-S", ROOT, "-B", b, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                "-DLIGHTBERT_BUILD_TESTS=OFF"], stdout=subprocess.DEVNULL, check=True)
            sh(["cmake", "--build", b, "-j", str(os.cpu_count() or 2), "--target", "lightbert_cli"],
               stdout=subprocess.DEVNULL, check=True)
            a.lightbert = os.path.join(b, "lightbert")

    a.cases_json = os.path.join(a.out, "cases.json")
    sh([SYS_PY, os.path.join(a.oracle, "make_cases.py"), a.cases_json],
       stdout=subprocess.DEVNULL, check=True)

    # a case the model cannot take (ids past its vocabulary, longer than its positions) is left
    # out for that model, said here, and shows as "-" in the table
    with open(a.cases_json) as f:
        case_shapes = {c["name"]: (max(c["input_ids"]), c["seq_len"]) for c in json.load(f)}
    model_cases = {}
    for name, d in models.items():
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        model_cases[name] = [c for c in a.cases if case_shapes[c][0] < cfg["vocab_size"]
                             and case_shapes[c][1] <= cfg.get("max_position_embeddings", 512)]
        left = [c for c in a.cases if c not in model_cases[name]]
        if left:
            log(f"== {name}: cases {' '.join(left)} left out (ids >= vocab_size "
                f"{cfg['vocab_size']} or longer than max_position_embeddings)")

    peers = [r for r in a.runtimes if r in PEER_RTS]
    works = {}
    for name, d in models.items():
        works[name] = os.path.join(a.out, "work", name)
        if peers:
            log(f"== preparing the peers' files for {name}")
            vpy = os.path.join(a.venv, "bin", "python")
            if os.path.exists(vpy):
                sh([vpy, os.path.join(HERE, "prepare.py"), "--model", d, "--work", works[name],
                    "--oracle", a.oracle])
            else:
                log(f"   {vpy} missing: run bench/peers/setup.sh (the venv peers will be missing)")
                os.makedirs(works[name], exist_ok=True)
                for f in ("config.json", "model.safetensors"):
                    dst = os.path.join(works[name], f)
                    if not os.path.lexists(dst):
                        os.symlink(os.path.join(d, f), dst)
        models[name] = d

    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                if ln.startswith("model name")), "?")
    flags = next((ln.split(":", 1)[1].split() for ln in open("/proc/cpuinfo")
                  if ln.startswith("flags")), [])
    isa_flags = sorted(f for f in flags if f.startswith(("avx", "amx", "fma")))
    log(f"== machine: {cpu}, {os.cpu_count()} CPUs, flags {' '.join(isa_flags)}, load average "
        f"{open('/proc/loadavg').read().split()[0]}")
    if a.peak is None:
        a.peak = measure_peak(a.oracle, a.out, a.threads)
        log(f"== peak (YMM peak_fma, {a.threads} threads, best of 3): {a.peak} GFLOP/s"
            if a.peak else "== peak: peak_fma did not build; lightbert's own probe per process")
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump({"cpu": cpu, "flags": isa_flags, "peak": a.peak, "threads": a.threads,
                   "rounds": a.rounds, "runs": a.runs, "runs_big": a.runs_big,
                   "date": time.strftime("%Y-%m-%d %H:%M %Z"),
                   "lightbert": sh([a.lightbert, "--version"], capture_output=True,
                                   text=True).stdout.strip(),
                   "models": {n: os.path.join(d, "config.json") for n, d in models.items()}},
                  f, indent=1)

    entries = []
    isas = [i for i in a.isa.split(",") if i] or [""]
    for rt in a.runtimes:
        if rt in LIGHTBERT_RTS:
            entries += [(rt, isa) for isa in isas]
        else:
            entries.append((rt, ""))
    start = time.time()
    lb_ok = True
    for r in range(1, a.rounds + 1):
        for name in models:
            if not model_cases[name]:
                continue
            log(f"== round {r}/{a.rounds}  {name}  (load average "
                f"{open('/proc/loadavg').read().split()[0]})")
            n = len(entries)
            for i in range(n):
                rt, isa = entries[(i + r - 1) % n]
                key = rt + (f"@{isa}" if isa else "")
                raw = os.path.join(a.out, "raw", f"{key}__{name}__r{r}.json")
                if rt in LIGHTBERT_RTS:
                    lb_ok &= run_lightbert(a, rt, isa, name, models[name], model_cases[name], raw)
                else:
                    run_peer(a, rt, name, works[name], model_cases[name], raw)
    log(f"== table  ({time.time() - start:.0f} s; rounds {a.rounds}, runs {a.runs}, runs-big "
        f"{a.runs_big}, threads {a.threads})")
    table = sh([sys.executable, os.path.join(ROOT, "bench", "compare_table.py"), "--out", a.out,
                "--models", *models, "--cases", *a.cases], capture_output=True, text=True)
    sys.stderr.write(table.stderr)
    print(table.stdout)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(table.stdout)
    return 0 if lb_ok and table.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
