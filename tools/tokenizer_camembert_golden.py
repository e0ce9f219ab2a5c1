#!/usr/bin/env python3
"""tools/tokenizer_camembert_golden.py: expected ids of the CamemBERT test tokenizer
(tests/data/tokenizers/camembert-tiny: xlmr-tiny's sentencepiece.bpe.model saved by transformers'
CamembertTokenizer, so its files are what transformers writes) from transformers' slow
CamembertTokenizer itself.

Contract: `make` writes tests/data/tokenizers/camembert-tiny/ (CamembertTokenizer.save_pretrained
of xlmr-tiny's model); always writes tests/data/tokenizers/expected_camembert-tiny.jsonl
(input_ids, token_type_ids, offsets null: the slow tokenizer has none) and
expected_camembert-tiny_max32.jsonl (input_ids with truncation longest_first, max_length 32) for
every line of tests/data/tokenizer/corpus.jsonl (text, optional text_pair). Nothing here uses
lightbert.
usage: ~/.cache/lightbert/venv/bin/python tools/tokenizer_camembert_golden.py [make]
"""
import json
import os
import sys

import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "tokenizers")
CORPUS = os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.jsonl")
FOLDER = os.path.join(DATA, "camembert-tiny")


def main():
    transformers.logging.set_verbosity_error()
    if sys.argv[1:] == ["make"]:
        tok = transformers.CamembertTokenizer(
            vocab_file=os.path.join(DATA, "xlmr-tiny", "sentencepiece.bpe.model"))
        tok.save_pretrained(FOLDER)
    tok = transformers.CamembertTokenizer.from_pretrained(FOLDER)
    with open(CORPUS, encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    full_path = os.path.join(DATA, "expected_camembert-tiny.jsonl")
    cut_path = os.path.join(DATA, "expected_camembert-tiny_max32.jsonl")
    with open(full_path, "w", encoding="utf-8") as full, open(cut_path, "w",
                                                              encoding="utf-8") as cut:
        for line in corpus:
            args = (line["text"], line["text_pair"]) if "text_pair" in line else (line["text"],)
            enc = tok(*args, return_token_type_ids=True)
            full.write(json.dumps({"input_ids": enc["input_ids"],
                                   "token_type_ids": enc["token_type_ids"], "offsets": None},
                                  separators=(",", ":")) + "\n")
            ids = tok(*args, truncation="longest_first", max_length=32)["input_ids"]
            cut.write(json.dumps({"input_ids": ids}, separators=(",", ":")) + "\n")
    print(f"wrote {full_path} and {cut_path} ({len(corpus)} lines, transformers "
          f"{transformers.__version__})")


if __name__ == "__main__":
    main()
