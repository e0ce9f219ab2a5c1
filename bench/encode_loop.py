#!/usr/bin/env python3
"""bench/encode_loop.py: lightbert.Model.encode over the unique STS-B dev sentences in a loop, alone
(no peer in the process), for profilers:
  PYTHONPATH=build/python perf record -F 999 -o /tmp/int8.perf \\
      ~/.cache/lightbert/venv/bin/python bench/encode_loop.py --dtype int8 --rounds 3
  perf report -i /tmp/int8.perf --no-children --sort symbol
Prints sentences/s of the timed rounds (after one warm-up pass). Needs tools/fetch_models.py's
model and ../shared/data/stsb/sts-dev.csv (LIGHTBERT_STSB_DEV overrides)."""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--dtype", default="fp32", choices=("fp32", "int8", "bf16"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    import lightbert
    _, pairs = stsb.read_stsb(stsb.stsb_path())
    sentences, _ = stsb.unique_sentences(pairs)
    m = lightbert.Model(str(fetch_models.cache_root(None) / args.model), threads=args.threads,
                        dtype=args.dtype)
    m.encode(sentences, batch_size=args.batch_size)
    t = time.perf_counter()
    for _ in range(args.rounds):
        m.encode(sentences, batch_size=args.batch_size)
    dt = time.perf_counter() - t
    print(f"{args.dtype} {args.threads} threads: {args.rounds * len(sentences) / dt:.1f} sentences/s")


if __name__ == "__main__":
    main()
