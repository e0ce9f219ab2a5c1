#!/usr/bin/env python3
"""tools/decode_reference.py: reference tokenizer.decode with Hugging Face's Python code.

Contract: loads MODEL_DIR (tokenizer.json + tokenizer_config.json) with transformers'
AutoTokenizer (fast), reads JSON lines {"ids": [...], "skip_special_tokens": bool} on stdin and
prints {"text": tokenizer.decode(ids, skip_special_tokens=...)} per line, in order: what the
fill-mask pipeline prints as token_str and sequence. clean_up_tokenization_spaces is the
tokenizer's own (transformers 4.40: True when tokenizer_config.json has none). Replaces the
former tools/decode_reference.mjs (transformers.js); pinned versions: tools/requirements-real.txt.

usage: ~/.cache/lightbert/venv/bin/python tools/decode_reference.py MODEL_DIR < in.jsonl
"""
import json
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().split("\n")[-1])
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(sys.argv[1], use_fast=True, local_files_only=True)
    for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
        if not line.strip():
            continue
        r = json.loads(line)
        text = tok.decode(r["ids"], skip_special_tokens=r["skip_special_tokens"])
        sys.stdout.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
