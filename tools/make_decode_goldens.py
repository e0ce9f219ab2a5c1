#!/usr/bin/env python3
"""tools/make_decode_goldens.py: Hugging Face's decode of many id sequences, as test goldens.

Contract: for every tokenizer in TOKENIZERS (the repo's test tokenizers and the real vocabularies
in ../shared/vocab), loads the folder with transformers' AutoTokenizer (fast) and writes one JSON
line per case to tests/data/tokenizers/decode_goldens.jsonl:
  {"tokenizer": KEY, "ids": [...], "skip_special_tokens": bool,
   "clean_up_tokenization_spaces": null|bool, "text": tok.decode(...),
   "tokens": tok.convert_ids_to_tokens(ids, skip_special_tokens),
   "joined": tok.convert_tokens_to_string(tokens)}
Cases: the encodings (single and pair) of a fixed, spread selection of tests/data/tokenizer/
corpus.jsonl, those encodings with one id dropped (cuts byte-level characters), seeded random id
sequences over the whole vocabulary (specials included), and the empty sequence; each with
skip_special_tokens and the clean-up flag varied. tests/unit/tokenizer_decode_test.cpp checks
Tokenizer::decode, convert_ids_to_tokens and convert_tokens_to_string against every line.
Run with the pinned venv (tools/real_env.sh):
  ~/.cache/lightbert/venv/bin/python tools/make_decode_goldens.py
"""
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("LIGHTBERT_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
# KEY -> folder; "shared:" keys are read from ../shared/vocab by the test too.
TOKENIZERS = {
    "tiny-bert": os.path.join(ROOT, "tests/data/tiny-bert"),
    "roberta-tiny": os.path.join(ROOT, "tests/data/tokenizers/roberta-tiny"),
    "albert-tiny": os.path.join(ROOT, "tests/data/tokenizers/albert-tiny"),
    "xlmr-tiny": os.path.join(ROOT, "tests/data/tokenizers/xlmr-tiny"),
    "shared:bert-base-uncased": os.path.join(SHARED, "vocab/bert-base-uncased"),
    "shared:bert-base-chinese": os.path.join(SHARED, "vocab/bert-base-chinese"),
    "shared:all-MiniLM-L6-v2": os.path.join(SHARED, "vocab/all-MiniLM-L6-v2"),
}
OUT = os.path.join(ROOT, "tests/data/tokenizers/decode_goldens.jsonl")
TEXTS_PER_TOKENIZER = 14
RANDOM_CASES = 8


def corpus():
    with open(os.path.join(ROOT, "tests/data/tokenizer/corpus.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    step = max(1, len(texts) // TEXTS_PER_TOKENIZER)
    return texts[::step][:TEXTS_PER_TOKENIZER]


def cases_for(tok, rng, texts):
    seqs = []
    for i, text in enumerate(texts):
        ids = tok(text)["input_ids"]
        seqs.append(ids)
        if i % 3 == 0:
            seqs.append(tok(text, texts[(i + 1) % len(texts)])["input_ids"])
        if len(ids) > 4:
            cut = list(ids)
            del cut[rng.randrange(1, len(cut) - 1)]
            seqs.append(cut)
    n = len(tok)
    for _ in range(RANDOM_CASES):
        seqs.append([rng.randrange(n) for _ in range(rng.randrange(1, 24))])
    seqs.append([])
    seqs.append(list(tok.all_special_ids))
    for k, ids in enumerate(seqs):
        yield {"ids": ids, "skip_special_tokens": k % 2 == 1,
               "clean_up_tokenization_spaces": [None, None, False, True][k % 4]}


def main():
    from transformers import AutoTokenizer
    rng = random.Random(20261207)
    texts = corpus()
    rows = []
    for key, folder in TOKENIZERS.items():
        tok = AutoTokenizer.from_pretrained(folder, use_fast=True, local_files_only=True)
        for case in cases_for(tok, rng, texts):
            kw = {}
            if case["clean_up_tokenization_spaces"] is not None:
                kw["clean_up_tokenization_spaces"] = case["clean_up_tokenization_spaces"]
            tokens = tok.convert_ids_to_tokens(case["ids"],
                                               skip_special_tokens=case["skip_special_tokens"])
            rows.append({"tokenizer": key, **case,
                         "text": tok.decode(case["ids"],
                                            skip_special_tokens=case["skip_special_tokens"], **kw),
                         "tokens": tokens, "joined": tok.convert_tokens_to_string(tokens)})
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(rows)} cases over {len(TOKENIZERS)} tokenizers", file=sys.stderr)


if __name__ == "__main__":
    main()
