#!/usr/bin/python3
"""bench/server_heads_bench.py: /predict and /qa throughput of two `lightbert serve` builds, A/B.

Contract: for --rounds rounds, and in each round for each endpoint (/predict on --classify-model,
/qa on --qa-model), starts each build in turn (A, B, A, B, ... : the order alternates every
round, so slow phases of a shared machine hit both), warms it up (4 clients, 1 s), drives it with
--clients keep-alive clients for --seconds (one sentence per request, bench/load_test.py's seeded
sentences and request bodies: /qa asks about the sentence's third word in it as the context),
records requests/s, p50/p99 latency, errors and the mean sequences per encoder batch (/metrics;
0 for a build whose head requests run outside the encoder batches, as main's before issue 14),
and stops it (SIGTERM, exit 0 checked). Prints one JSON object: per endpoint and build the median
over rounds of each figure and every round's figures, and B/A ratios (of the medians, and the
median of the per-round ratios). Exits 1 when a request failed or a server did not exit cleanly.
Standard library only; only loopback is used.
make-qa (no server) writes --out, a BertForQuestionAnswering folder: an encoder folder --model
(any BERT folder with bert.* tensors, e.g. a fine-tuned classifier) plus seeded random
qa_outputs.{weight,bias} (the answers are meaningless; the compute is a real QA model's).

usage: /usr/bin/python3 bench/server_heads_bench.py --a /tmp/lightbert-main --b build/lightbert \
         --classify-model ~/.cache/lightbert/finetuned/sst2 --qa-model /tmp/qa-minilm \
         [--rounds 4] [--seconds 10] [--clients 64] [--threads 2]
       /usr/bin/python3 bench/server_heads_bench.py make-qa --model DIR --out DIR
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load_test  # noqa: E402  (Server, drive, sentences, batch_stats)


def make_qa(model, out, seed=11):
    config = json.load(open(os.path.join(model, "config.json")))
    config["architectures"] = ["BertForQuestionAnswering"]
    for key in ("id2label", "label2id", "problem_type"):
        config.pop(key, None)
    h = config["hidden_size"]
    load_test.add_head_tensors(model, config, out,
                               {"qa_outputs.weight": [2, h], "qa_outputs.bias": [2]}, seed,
                               drop_prefix="classifier.")
    return {"out": out, "hidden_size": h}


def one_run(binary, model, path, texts, args):
    server = load_test.Server(binary, model, ["--threads", str(args.threads)])
    try:
        load_test.drive(server.port, texts, 4, seconds=1, path=path)  # warm-up
        before = load_test.batch_stats(server.port)
        r = load_test.drive(server.port, texts, args.clients, seconds=args.seconds, path=path)
        after = load_test.batch_stats(server.port)
    finally:
        code = server.stop()
    batches = after["batches"] - before["batches"]
    seqs = (after["mean_sequences"] * after["batches"] - before["mean_sequences"] * before["batches"])
    return {"requests_per_s": r["requests_per_s"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
            "errors": r["errors"], "requests": r["requests"],
            "sequences_per_batch": round(seqs / max(batches, 1), 1), "exit": code}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "make-qa":
        p = argparse.ArgumentParser()
        p.add_argument("--model", required=True)
        p.add_argument("--out", required=True)
        a = p.parse_args(sys.argv[2:])
        print(json.dumps(make_qa(a.model, a.out)))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", required=True, help="build A's lightbert binary (the baseline)")
    p.add_argument("--b", required=True, help="build B's lightbert binary")
    p.add_argument("--classify-model", required=True)
    p.add_argument("--qa-model", required=True)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    texts = load_test.sentences()
    builds = {"A": args.a, "B": args.b}
    endpoints = {"/predict": args.classify_model, "/qa": args.qa_model}
    runs = {path: {"A": [], "B": []} for path in endpoints}
    failed = 0
    for rnd in range(args.rounds):
        order = ["A", "B"] if rnd % 2 == 0 else ["B", "A"]
        for path, model in endpoints.items():
            for name in order:
                r = one_run(builds[name], model, path, texts, args)
                failed += (r["errors"] > 0) + (r["exit"] != 0)
                runs[path][name].append(r)
                print("round %d %s %s: %s" % (rnd, path, name, json.dumps(r)), file=sys.stderr)
    out = {"builds": builds, "clients": args.clients, "seconds": args.seconds,
           "rounds": args.rounds, "threads": args.threads, "endpoints": {}}
    keys = ("requests_per_s", "p50_ms", "p99_ms", "sequences_per_batch")
    for path in endpoints:
        e = {}
        for name in ("A", "B"):
            e[name] = {k: statistics.median(r[k] for r in runs[path][name]) for k in keys}
            e[name]["per_round"] = runs[path][name]
        e["B/A of medians"] = {k: round(e["B"][k] / e["A"][k], 2) for k in keys if e["A"][k]}
        pairs = list(zip(runs[path]["A"], runs[path]["B"]))
        e["median per-round B/A"] = {
            k: round(statistics.median(b[k] / a[k] for a, b in pairs), 2)
            for k in keys if all(a[k] for a, _ in pairs)}
        out["endpoints"][path] = e
    out["failed_runs"] = failed
    print(json.dumps(out, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
