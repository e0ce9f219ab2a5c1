#!/usr/bin/env python3
"""tools/tokenizer_reference.py: reference tokenization with Hugging Face's Python code.

Contract: loads MODEL_DIR (tokenizer.json + tokenizer_config.json, as a checkpoint ships them)
with transformers' AutoTokenizer (the fast tokenizer, i.e. the `tokenizers` Rust library,
configured by transformers exactly as a pipeline would; the class comes from tokenizer_config's
tokenizer_class), reads JSON lines {"text", "text_pair"?} on stdin and prints one JSON line per
input, in order: {"input_ids", "token_type_ids", "attention_mask", "tokens", "offsets"}.
token_type_ids are the Encoding's type ids (0 everywhere for RobertaProcessing); offsets are the
(start, end) code point spans of return_offsets_mapping, flattened. A "text_pair" key, even
"", makes a pair (transformers tests `text_pair is not None`). Without --max-length nothing is
truncated; with it, truncation=True (longest_first) at max_length N, Hugging Face's own rule.
Replaces the transformers.js scripts (the oracle's tok/tokenize.mjs and the former
tools/tokenizer_bpe_reference.mjs); pinned versions: tools/requirements-real.txt.

Generators running under another interpreter call run(), which starts this script with the
pinned venv's python ($LIGHTBERT_REF_PYTHON, default ~/.cache/lightbert/venv/bin/python).

usage: ~/.cache/lightbert/venv/bin/python tools/tokenizer_reference.py MODEL_DIR [--max-length N] < in.jsonl
"""
import argparse
import json
import os
import subprocess
import sys

REF_PYTHON = os.environ.get("LIGHTBERT_REF_PYTHON",
                            os.path.expanduser("~/.cache/lightbert/venv/bin/python"))


def run(model_dir, records, max_length=None):
    """The reference rows for a list of {"text", "text_pair"?} records, in a subprocess."""
    cmd = [REF_PYTHON, os.path.abspath(__file__), model_dir]
    if max_length:
        cmd += ["--max-length", str(max_length)]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    out = subprocess.run(cmd, input=lines.encode("utf-8"), capture_output=True, check=True)
    return [json.loads(x) for x in out.stdout.decode("utf-8").splitlines() if x.strip()]


def load(model_dir):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_dir, use_fast=True, local_files_only=True)
    if not tok.is_fast:
        sys.exit(f"{model_dir}: no fast tokenizer (tokenizer.json) to use as the reference")
    return tok


def encode(tok, rec, max_length=None):
    kwargs = {"return_offsets_mapping": True, "return_token_type_ids": True}
    if max_length:
        kwargs.update(truncation=True, max_length=max_length)
    enc = tok(rec["text"], rec.get("text_pair"), **kwargs)
    ids = list(enc["input_ids"])
    return {
        "input_ids": ids,
        "token_type_ids": list(enc["token_type_ids"]),
        "attention_mask": list(enc["attention_mask"]),
        "tokens": tok.convert_ids_to_tokens(ids),
        "offsets": [x for span in enc["offset_mapping"] for x in span],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--max-length", type=int, default=None)
    args = parser.parse_args()
    # tokenizers 0.19 prints notes ("Ignored unknown kwarg option ...") on fd 1 from native
    # code: the JSON lines go to a copy of stdout, fd 1 itself to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    tok = load(args.model_dir)
    for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
        if not line.strip():
            continue
        row = encode(tok, json.loads(line), args.max_length)
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
