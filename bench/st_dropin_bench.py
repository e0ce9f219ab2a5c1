#!/usr/bin/env python3
"""bench/st_dropin_bench.py: single-process sentence-embedding throughput of the lightbert
package's sentence-transformers-style Model.encode (fp32 and int8) against sentence-transformers
(torch fp32) on the same sentences, in the same run: the unique sentences of the STS-B dev pairs,
encode(sentences, batch_size=32), best of --repeat timed passes after one warm-up pass each.
Prints a table and one JSON line with sentences/s and the ratios to sentence-transformers.

Run under the reference venv (sentence-transformers) with the built package on PYTHONPATH:
  PYTHONPATH=build/python ~/.cache/lightbert/venv/bin/python bench/st_dropin_bench.py --threads 2
Needs tools/fetch_models.py's all-MiniLM-L6-v2 and ../shared/data/stsb/sts-dev.csv
(LIGHTBERT_STSB_DEV overrides)."""
import argparse
import json
import os
import sys
import time

import numpy as np

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402


def best_rate(fn, sentences, repeat):
    fn(sentences)  # warm-up (lazy packing, allocator, torch's first-call costs)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(sentences)
        best = min(best, time.perf_counter() - t)
    return len(sentences) / best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    import lightbert

    torch.set_num_threads(args.threads)
    folder = str(fetch_models.cache_root(None) / args.model)
    _, pairs = stsb.read_stsb(stsb.stsb_path())
    sentences, _ = stsb.unique_sentences(pairs)

    st = SentenceTransformer(folder, device="cpu")
    runs = {"sentence-transformers fp32 (torch %s)" % torch.__version__:
            lambda s: st.encode(s, batch_size=args.batch_size, show_progress_bar=False)}
    for dtype in ("fp32", "int8"):
        m = lightbert.Model(folder, threads=args.threads, dtype=dtype)
        runs[f"lightbert {dtype}"] = (
            lambda s, m=m: m.encode(s, batch_size=args.batch_size, show_progress_bar=False))
    rates = {name: best_rate(fn, sentences, args.repeat) for name, fn in runs.items()}
    base = next(iter(rates.values()))
    print(f"{len(sentences)} unique STS-B dev sentences, {args.model}, batch_size "
          f"{args.batch_size}, {args.threads} threads, best of {args.repeat}")
    print(f"{'engine':45s} {'sentences/s':>12s} {'x ST':>6s}")
    for name, r in rates.items():
        print(f"{name:45s} {r:12.1f} {r / base:6.2f}")
    print(json.dumps({"sentences": len(sentences), "threads": args.threads,
                      "batch_size": args.batch_size,
                      "sentences_per_s": {k: round(v, 1) for k, v in rates.items()},
                      "speedup_vs_st": {k: round(v / base, 2) for k, v in rates.items()}}))


if __name__ == "__main__":
    main()
