#!/usr/bin/python3
"""tools/tokenizer_parity.py: live tokenizer parity of `lightbert tokenize` with Hugging Face.

Contract: runs the committed corpus (tests/data/tokenizer/corpus.jsonl, or --corpus FILE) through
the reference tokenizer (Hugging Face's Python code: tools/tokenizer_reference.py in the pinned
venv) and through the lightbert CLI, for each vocabulary folder, untruncated and at --max-length
(the reference's own truncation=True, longest_first); prints the count of lines with identical
input_ids, token_type_ids and tokens, and the first mismatches. Exit 1 on any mismatch.
usage: tools/tokenizer_parity.py [--cli build/lightbert] [--max-length 32]
                                 [--corpus FILE] [VOCAB_DIR ...]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tokenizer_reference  # noqa: E402


def run(cmd, corpus):
    with open(corpus, "rb") as f:
        out = subprocess.run(cmd, stdin=f, capture_output=True, check=True).stdout.decode("utf-8")
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "lightbert"))
    ap.add_argument("--max-length", type=int, default=32)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.jsonl"))
    ap.add_argument("vocabs", nargs="*")
    a = ap.parse_args()
    vocabs = a.vocabs or [os.path.join(ROOT, "..", "shared", "vocab", v)
                          for v in ("bert-base-uncased", "bert-base-chinese")]
    corpus = [json.loads(x) for x in open(a.corpus, encoding="utf-8") if x.strip()]
    ok = True
    for v in vocabs:
        for max_len in (None, a.max_length):
            cmd = [a.cli, "tokenize", "--model", v, "--max-length", str(max_len or 1 << 20)]
            got = run(cmd, a.corpus)
            ref = want = tokenizer_reference.run(v, corpus, max_len)
            same = 0
            bad = []
            for i, (g, w) in enumerate(zip(got, want)):
                if all(g[k] == w[k] for k in ("input_ids", "token_type_ids", "tokens")):
                    same += 1
                else:
                    bad.append(i + 1)
            n = len(corpus)
            ok &= same == n and len(got) == n and len(ref) == n
            label = f"max_length {max_len}" if max_len else "untruncated"
            print(f"{os.path.basename(os.path.normpath(v)):20s} {label:15s} {same}/{n} lines identical"
                  + (f"  mismatches at lines {bad[:10]}" if bad else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
