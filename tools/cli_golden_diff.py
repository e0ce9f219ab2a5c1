#!/usr/bin/python3
"""tools/cli_golden_diff.py: max abs differences of the lightbert CLI against the committed PyTorch
goldens of tests/data/tiny-bert (tools/make_cli_golden.py: bertlib float64, Hugging Face ids).

Contract: runs `lightbert hidden` and `lightbert embed --pooling P [--normalize]` (P: mean, cls,
max) on tests/data/tiny-bert/golden/cli_inputs.jsonl with --truncate (as the goldens were made)
and prints one line per output (last_hidden_state, pooler_output, embed_<P>[_normalized]) with
its max abs difference to cli_expected.jsonl; exit 1 when one exceeds --atol (1e-4) or an input's
ids differ. Reads nothing but the CLI's stdout, so it measures what a user gets.
usage: /usr/bin/python3 tools/cli_golden_diff.py --cli build/lightbert
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "tests", "data", "tiny-bert")


def run(cli, args, lines):
    p = subprocess.run([cli] + args + ["--model", MODEL, "--truncate"], input=lines,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"lightbert {' '.join(args)} failed: {p.stderr.strip()}")
    return [json.loads(x) for x in p.stdout.splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args()
    golden = os.path.join(MODEL, "golden")
    lines = open(os.path.join(golden, "cli_inputs.jsonl"), encoding="utf-8").read()
    want = [json.loads(x) for x in open(os.path.join(golden, "cli_expected.jsonl"),
                                       encoding="utf-8") if x.strip()]
    worst = 0.0

    def report(name, got, key):
        nonlocal worst
        d = max(float(np.max(np.abs(np.array(g, dtype=np.float64) - np.array(w[key]))))
                for g, w in zip(got, want))
        worst = max(worst, d)
        print(f"tiny-bert {name:28s} max abs diff {d:.3g}")

    hidden = run(args.cli, ["hidden"], lines)
    report("last_hidden_state", [h["last_hidden_state"] for h in hidden], "last_hidden_state")
    report("pooler_output", [h["pooler_output"] for h in hidden], "pooler_output")
    for pooling in ("mean", "cls", "max"):
        for normalize in (False, True):
            key = f"embed_{pooling}" + ("_normalized" if normalize else "")
            extra = ["--normalize"] if normalize else []
            got = run(args.cli, ["embed", "--pooling", pooling] + extra, lines)
            report(key, [g["embedding"] for g in got], key)
    print(f"worst {worst:.3g} (atol {args.atol})")
    return 0 if worst <= args.atol else 1


if __name__ == "__main__":
    sys.exit(main())
