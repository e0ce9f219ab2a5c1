#!/usr/bin/env python3
"""bench/st_dropin_bench.py: single-process sentence-embedding throughput of the lightbert
package's sentence-transformers-style Model.encode (fp32 and int8) against sentence-transformers
(torch fp32) on the same sentences, in the same run: the unique sentences of the STS-B dev pairs,
encode(sentences, batch_size=32): one warm-up pass each, then --repeat rounds, each round timing
every engine once in turn (A, B, C, A, B, C, ...: load on a shared machine hits all alike).
Prints a table (median and best of the rounds, the median of the per-round ratios to
sentence-transformers, and the model's GFLOP/s: the encoder's multiply-adds over the real tokens,
x2, per second of the median round; with --peak-gflops, as % of that fp32 FMA peak, so one sees how
far any engine is from the machine's ceiling) and one JSON line.

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


def interleaved_rates(runs, sentences, repeat):
    """{name: [sentences/s per round]}: warm-up once each, then rounds of one pass per engine."""
    for fn in runs.values():
        fn(sentences)  # warm-up (lazy packing, allocator, torch's first-call costs)
    rates = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            t = time.perf_counter()
            fn(sentences)
            rates[name].append(len(sentences) / (time.perf_counter() - t))
    return rates


def encoder_gflop(folder, tokenizer, sentences, max_len):
    """Model FLOPs of one pass: per real token and layer 2 * (4 H^2 + 2 H F) for the dense layers,
    per sequence and layer 2 * 2 * L^2 * H for Q K^T and P V (padding-free: real tokens only)."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    h, ff, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    lens = [min(len(ids), max_len) for ids in tokenizer(sentences)["input_ids"]]
    dense = sum(lens) * 2 * (4 * h * h + 2 * h * ff)
    attention = sum(4 * n * n * h for n in lens)
    return layers * (dense + attention) / 1e9, sum(lens)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--peak-gflops", type=float, default=None,
                    help="fp32 FMA peak of the threads used (e.g. `lightbert bench` prints it)")
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
    gflop, tokens = encoder_gflop(folder, st.tokenizer, sentences, st.max_seq_length)
    rates = interleaved_rates(runs, sentences, args.repeat)
    base_name = next(iter(rates))
    ratios = {k: float(np.median([r / b for r, b in zip(v, rates[base_name])]))
              for k, v in rates.items()}
    gflops = {k: gflop * float(np.median(v)) / len(sentences) for k, v in rates.items()}
    print(f"{len(sentences)} unique STS-B dev sentences ({tokens} tokens, {gflop:.1f} GFLOP a pass), "
          f"{args.model}, batch_size {args.batch_size}, {args.threads} threads, {args.repeat} "
          f"interleaved rounds")
    peak = args.peak_gflops
    print(f"{'engine':45s} {'median/s':>9s} {'best/s':>9s} {'x ST (median of rounds)':>24s} "
          f"{'GFLOP/s':>8s}" + (f" {'% fp32 peak':>11s}" if peak else ""))
    for name, v in rates.items():
        print(f"{name:45s} {np.median(v):9.1f} {max(v):9.1f} {ratios[name]:24.2f} "
              f"{gflops[name]:8.1f}" + (f" {100 * gflops[name] / peak:11.1f}" if peak else ""))
    print(json.dumps({"sentences": len(sentences), "threads": args.threads,
                      "batch_size": args.batch_size, "rounds": args.repeat,
                      "sentences_per_s_median": {k: round(float(np.median(v)), 1)
                                                 for k, v in rates.items()},
                      "sentences_per_s_best": {k: round(max(v), 1) for k, v in rates.items()},
                      "speedup_vs_st_median": {k: round(v, 2) for k, v in ratios.items()},
                      "tokens": tokens, "gflop_per_pass": round(gflop, 2),
                      "gflops_median": {k: round(v, 1) for k, v in gflops.items()},
                      "peak_gflops": peak}))


if __name__ == "__main__":
    main()
