#!/usr/bin/env python3
"""tools/decode_reference.py: reference tokenizer.decode with Hugging Face's Python code.

Contract: loads MODEL_DIR (tokenizer.json + tokenizer_config.json) with transformers'
AutoTokenizer (fast), reads JSON lines {"ids": [...], "skip_special_tokens": bool} on stdin and
prints {"text": tokenizer.decode(ids, skip_special_tokens=...)} per line, in order: what the
fill-mask pipeline prints as token_str and sequence. clean_up_tokenization_spaces is the
tokenizer's own (transformers 4.40: True when tokenizer_config.json has none) unless a request
sets "clean_up_tokenization_spaces". A request with "tokens": true also gets "tokens" (the
convert_ids_to_tokens of its ids, honouring skip_special_tokens) and "joined"
(convert_tokens_to_string of those tokens). Replaces the
former tools/decode_reference.mjs (transformers.js); pinned versions: tools/requirements-real.txt.

Generators running under another interpreter call run(), which starts this script with the
pinned venv's python ($LIGHTBERT_REF_PYTHON, default ~/.cache/lightbert/venv/bin/python).

usage: ~/.cache/lightbert/venv/bin/python tools/decode_reference.py MODEL_DIR < in.jsonl
"""
import json
import os
import subprocess
import sys

REF_PYTHON = os.environ.get("LIGHTBERT_REF_PYTHON",
                            os.path.expanduser("~/.cache/lightbert/venv/bin/python"))


def run(model_dir, requests, full=False):
    """The decoded strings of a list of {"ids", "skip_special_tokens"} requests, in a subprocess
    (with full=True: the whole answer dicts)."""
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    out = subprocess.run([REF_PYTHON, os.path.abspath(__file__), model_dir],
                         input=lines.encode("utf-8"), capture_output=True, check=True)
    answers = [json.loads(x) for x in out.stdout.decode("utf-8").splitlines() if x.strip()]
    return answers if full else [a["text"] for a in answers]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().split("\n")[-1])
    # tokenizers 0.19 prints notes ("Ignored unknown kwarg option ...") on fd 1 from native
    # code: the JSON lines go to a copy of stdout, fd 1 itself to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(sys.argv[1], use_fast=True, local_files_only=True)
    for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
        if not line.strip():
            continue
        r = json.loads(line)
        kw = {}
        if r.get("clean_up_tokenization_spaces") is not None:
            kw["clean_up_tokenization_spaces"] = r["clean_up_tokenization_spaces"]
        res = {"text": tok.decode(r["ids"], skip_special_tokens=r["skip_special_tokens"], **kw)}
        if r.get("tokens"):
            tokens = tok.convert_ids_to_tokens(r["ids"], skip_special_tokens=r["skip_special_tokens"])
            res["tokens"] = tokens
            res["joined"] = tok.convert_tokens_to_string(tokens)
        out.write(json.dumps(res, ensure_ascii=False) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
