#!/usr/bin/env python3
"""bench/ab.py: A/B timing of lightbert builds or settings on a noisy machine.

Contract: runs `BIN bench ARGS --threads T --json` once per configuration per round, alternating
the configurations inside every round (so slow phases of a shared VM hit all of them), and prints
for each configuration the median over rounds of the per-run `median_ms`, its ratio to the first
configuration, and every round's figure. A configuration is NAME=BIN or NAME=BIN:ENV=V,ENV=V (the
environment variables are set for that configuration's runs only). Exits non-zero when a run
fails, showing its stderr.

Example (two builds, bert-base batch 1 x 128 tokens, 5 rounds):
  bench/ab.py --rounds 5 old=/tmp/lightbert-old new=build/lightbert -- \
      --model DIR --batch 1 --seq 128 --runs 3 --warmup 1
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("configs", nargs="+", help="NAME=BIN[:ENV=V,...], then -- and the bench args")
    argv = sys.argv[1:]
    if "--" not in argv:
        p.error("put the bench arguments after --")
    cut = argv.index("--")
    args = p.parse_args(argv[:cut])
    bench_args = argv[cut + 1:]
    configs = []
    for c in args.configs:
        name, _, rest = c.partition("=")
        binary, _, envs = rest.partition(":")
        if not name or not binary:
            p.error(f"bad configuration {c!r}: expected NAME=BIN[:ENV=V,...]")
        env = dict(os.environ)
        for kv in filter(None, envs.split(",")):
            k, _, v = kv.partition("=")
            env[k] = v
        configs.append((name, binary, env))
    times = {name: [] for name, _, _ in configs}
    for _ in range(args.rounds):
        for name, binary, env in configs:
            cmd = [binary, "bench", *bench_args, "--threads", str(args.threads), "--json"]
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.stderr.write(f"{name}: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
                return 1
            times[name].append(json.loads(r.stdout)["median_ms"])
    base = statistics.median(times[configs[0][0]])
    print(" ".join(bench_args))
    for name, values in times.items():
        m = statistics.median(values)
        rounds = " ".join(f"{v:.2f}" for v in values)
        print(f"  {name:10s} {m:10.2f} ms  ratio {m / base:.3f}  rounds {rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
