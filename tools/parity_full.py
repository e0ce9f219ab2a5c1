#!/usr/bin/python3
"""tools/parity_full.py: full-shape parity of the lightbert encoder against the PyTorch oracle.

Contract: builds seeded random models at the real shapes of all-MiniLM-L6-v2 (6 x 384, 12 heads,
FFN 1536) and bert-base (12 x 768, 12 heads, FFN 3072), vocab 30522, 512 positions (bertlib's
configs, seeds and init_weights) into a cache folder (default /tmp/lightbert-parity/, reused when
present), makes token-id batches with lengths 1..512 (1, 2, 16, 128, 511, 512, a ragged batch,
sentence pairs with token types), computes the reference with bertlib in float64 (padded +
masked, so it is what Hugging Face gives with padding), runs our engine through the CLI
(`lightbert hidden --model DIR`, one process per case and ISA, LIGHTBERT_ISA set) and prints
the max abs diff of last_hidden_state (real tokens) and pooler_output per model, case and ISA.
Exit status 1 when any diff exceeds --atol (1e-4), 2 when the engine fails; an ISA this CPU
cannot run is reported as NOT CHECKED (and does not fail the run). Not part of CI
(several minutes; ~1 GB of model files).

usage: tools/parity_full.py --cli build/lightbert [--isa avx512,avx2] [--models minilm,bert-base]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_test_models as mtm  # noqa: E402  (also puts bertlib on the path)
import bertlib  # noqa: E402

MODELS = {"minilm": "all-MiniLM-L6-v2", "bert-base": "bert-base-uncased"}
CLS, SEP = 101, 102


def cases(seed=99):
    rng = np.random.default_rng(seed)

    def seq(n):
        ids = [int(x) for x in rng.integers(1000, 30000, size=n)]
        ids[0] = CLS
        ids[-1] = SEP
        return ids

    def pair(n):
        ids = seq(n)
        cut = 1 + int(rng.integers(1, n - 2))
        ids[cut] = SEP
        return ids, [0] * (cut + 1) + [1] * (n - cut - 1)

    out = [(f"b1_s{n}", [(seq(n), [0] * n)]) for n in (1, 2, 16, 128, 511, 512)]
    out.append(("ragged7_1-512", [(seq(n), [0] * n) for n in (1, 2, 16, 77, 128, 300, 512)]))
    out.append(("pairs4_10-512", [pair(n) for n in (10, 64, 200, 512)]))
    return out


def ensure_model(cache, key):
    name = MODELS[key]
    folder = os.path.join(cache, name)
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        cfg = dict(bertlib.CONFIGS[name])
        mtm.write_model(folder, cfg, mtm.build_model(cfg, bertlib.SEEDS[name]))
    return folder


def run_engine(cli, folder, isa, seqs):
    lines = "".join(json.dumps({"input_ids": ids, "token_type_ids": tt}) + "\n" for ids, tt in seqs)
    env = dict(os.environ, LIGHTBERT_ISA=isa)
    p = subprocess.run([cli, "hidden", "--model", folder, "--batch-size", str(len(seqs))],
                       input=lines.encode(), capture_output=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode().strip())
    return [json.loads(x) for x in p.stdout.decode().splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--cli", default=os.path.join(HERE, "..", "build", "lightbert"))
    ap.add_argument("--isa", default="avx512,avx2")
    ap.add_argument("--models", default="minilm,bert-base")
    ap.add_argument("--cache", default="/tmp/lightbert-parity")
    ap.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args()
    torch.set_num_threads(2)
    worst, failed, broken, skipped = 0.0, False, False, set()
    print(f"{'model':18} {'case':15} {'isa':8} {'tokens':>6} {'max|dh|':>10} {'max|dp|':>10}")
    for key in args.models.split(","):
        folder = ensure_model(args.cache, key)
        model, cfg = bertlib.load_model_folder(folder)
        mtm.set_activation(model, cfg["hidden_act"])
        for name, seqs in cases():
            lengths = [len(ids) for ids, _ in seqs]
            flat_ids = [i for ids, _ in seqs for i in ids]
            flat_tt = [t for _, tt in seqs for t in tt]
            ref_h, ref_p = mtm.reference(model, lengths, flat_ids, flat_tt)
            for isa in args.isa.split(","):
                try:
                    t0 = time.time()
                    got = run_engine(args.cli, folder, isa, seqs)
                except RuntimeError as e:
                    if "cannot run" in str(e):  # LIGHTBERT_ISA names an ISA this CPU lacks
                        print(f"{MODELS[key]:18} {name:15} {isa:8} skipped: {e}")
                        skipped.add(isa)
                        continue
                    print(f"{MODELS[key]:18} {name:15} {isa:8} engine failed: {e}")
                    broken = True
                    continue
                h = np.concatenate([np.asarray(g["last_hidden_state"], dtype=np.float64) for g in got])
                p = np.stack([np.asarray(g["pooler_output"], dtype=np.float64) for g in got])
                dh = float(np.max(np.abs(h - ref_h))) if h.shape == ref_h.shape else float("inf")
                dp = float(np.max(np.abs(p - ref_p))) if p.shape == ref_p.shape else float("inf")
                bad = not (dh <= args.atol and dp <= args.atol)
                failed |= bad
                worst = max(worst, dh, dp)
                print(f"{MODELS[key]:18} {name:15} {isa:8} {sum(lengths):6d} {dh:10.2e} {dp:10.2e}"
                      f"{'  FAIL' if bad else ''}  ({time.time() - t0:.1f}s)", flush=True)
    if skipped:
        print(f"NOT CHECKED (this CPU cannot run them): {', '.join(sorted(skipped))}")
    print(f"worst max abs diff {worst:.2e} (atol {args.atol:g}): {'FAIL' if failed or broken else 'PASS'}")
    sys.exit(2 if broken else 1 if failed else 0)


if __name__ == "__main__":
    main()
