#!/usr/bin/env python3
"""tools/tokenizer_bpe_golden.py: expected outputs of the byte-level BPE (RoBERTa) test tokenizer.

Contract: runs Hugging Face's Python tokenizer (transformers' RobertaTokenizerFast over
tokenizers, through tools/tokenizer_reference.py) on every line of
tests/data/tokenizer/corpus.jsonl with tests/data/tokenizers/roberta-tiny (written by
tools/train_bpe_tiny.py) and writes tests/data/tokenizers/expected_roberta-tiny.jsonl:
input_ids and the offsets of return_offsets_mapping (flattened); every type id is 0
(RobertaProcessing), checked here. The offsets are also rebuilt from the reference tokens alone
(sequence_offsets(): each token's bytes found in the text's UTF-8, added tokens by their
content with the whitespace an lstrip token absorbs, trimmed as byte_level process_offsets
does; make_extra_head_models.py uses it) and must agree with Hugging Face's on every line.
Then expected_roberta-tiny_max32.jsonl (input_ids): the same tokenizer with truncation=True,
max_length=32 (Hugging Face's longest_first). Last, expected_roberta-tiny-prefix.jsonl
(input_ids) is the same corpus through a copy of the folder with add_prefix_space true
(pre-tokenizer, post-processor and tokenizer_config.json), the RoBERTa setting of NER / QA
checkpoints. Nothing here uses lightbert.

usage: ~/.cache/lightbert/venv/bin/python tools/tokenizer_bpe_golden.py
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer_reference  # noqa: E402
from train_bpe_tiny import bytes_to_unicode  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.jsonl")
DATA = os.path.join(ROOT, "tests", "data", "tokenizers")
NAME = "roberta-tiny"
MAX_LENGTH = 32
BYTE_OF = {c: b for b, c in bytes_to_unicode().items()}


def is_space_char(c):
    return c == "\u0120" or c.isspace()


def sequence_offsets(text, tokens, added):
    """Code point offsets of the reference tokens of one sequence (no template tokens)."""
    data = text.encode("utf-8")
    # byte index -> code point index
    char_of = []
    for i, ch in enumerate(text):
        char_of += [i] * len(ch.encode("utf-8"))
    char_of.append(len(text))
    p = 0
    spans = []
    for tok in tokens:
        if tok in added:
            content, lstrip = added[tok]
            q = data.find(content.encode("utf-8"), p)
            assert q >= 0, (text, tok)
            begin = q
            if lstrip:
                while begin > p and chr(data[begin - 1]).isspace():
                    begin -= 1
            end = q + len(content.encode("utf-8"))
        else:
            raw = bytes(BYTE_OF[c] for c in tok)
            assert data[p:p + len(raw)] == raw, (text, tok, p)
            begin, end = p, p + len(raw)
        spans.append((tok, begin, end))
        p = end
    assert p == len(data) or data[p:].isspace() or not data[p:], (text, p)
    out = []
    for i, (tok, b, e) in enumerate(spans):
        start, stop = char_of[b], (char_of[e - 1] + 1 if e > b else char_of[b])
        lead = next((k for k, c in enumerate(tok) if not is_space_char(c)), len(tok))
        trail = next((k for k, c in enumerate(reversed(tok)) if not is_space_char(c)), len(tok))
        if lead:
            start = min(start + lead, stop)
        if trail and stop >= trail:
            stop = max(stop - trail, start)
        out.append([start, stop])
    return out


def prefix_folder(folder, out):
    """A copy of `folder` with add_prefix_space true everywhere (the test builds the same)."""
    for name in ("vocab.json", "merges.txt", "special_tokens_map.json"):
        shutil.copy(os.path.join(folder, name), out)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            j = json.load(f)
        if name == "tokenizer.json":
            j["pre_tokenizer"]["add_prefix_space"] = True
            j["post_processor"]["add_prefix_space"] = True
        else:
            j["add_prefix_space"] = True
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(j, f, ensure_ascii=False)


def run_reference(folder, corpus, max_length=None):
    tok = tokenizer_reference.load(folder)
    return [tokenizer_reference.encode(tok, line, max_length) for line in corpus]


def main():
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    folder = os.path.join(DATA, NAME)
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    assert not tj["pre_tokenizer"]["add_prefix_space"], "offsets here assume add_prefix_space false"
    added = {t["content"]: (t["content"], t["lstrip"]) for t in tj["added_tokens"]}
    with open(CORPUS, encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    rows = run_reference(folder, corpus)
    cut = run_reference(folder, corpus, MAX_LENGTH)
    full_path = os.path.join(DATA, f"expected_{NAME}.jsonl")
    cut_path = os.path.join(DATA, f"expected_{NAME}_max{MAX_LENGTH}.jsonl")
    with open(full_path, "w", encoding="utf-8") as full, open(cut_path, "w", encoding="utf-8") as f:
        for line, row, short in zip(corpus, rows, cut):
            ids, tokens = row["input_ids"], row["tokens"]
            assert set(row["token_type_ids"]) == {0}, line
            # Cross-check: the offsets rebuilt from the tokens alone equal Hugging Face's.
            # <s> A </s> (</s> B </s>): A ends at the first "</s></s>" whose remainder re-encodes.
            if "text_pair" in line:
                rebuilt = None
                for k in range(1, len(ids) - 2):
                    if ids[k] == 2 and ids[k + 1] == 2:
                        try:
                            oa = sequence_offsets(line["text"], tokens[1:k], added)
                            ob = sequence_offsets(line["text_pair"], tokens[k + 2:-1], added)
                        except AssertionError:
                            continue
                        rebuilt = [[0, 0]] + oa + [[0, 0], [0, 0]] + ob + [[0, 0]]
                        break
            else:
                rebuilt = [[0, 0]] + sequence_offsets(line["text"], tokens[1:-1], added) + [[0, 0]]
            assert rebuilt and [x for s in rebuilt for x in s] == row["offsets"], line
            rec = {"input_ids": ids, "offsets": row["offsets"]}
            full.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            f.write(json.dumps({"input_ids": short["input_ids"]}, separators=(",", ":")) + "\n")
    prefix_path = os.path.join(DATA, f"expected_{NAME}-prefix.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, NAME + "-prefix")
        os.mkdir(target)
        prefix_folder(folder, target)
        rows = run_reference(target, corpus)
    with open(prefix_path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({"input_ids": row["input_ids"]}, separators=(",", ":")) + "\n")
    for p in (full_path, cut_path, prefix_path):
        print(f"wrote {p} ({os.path.getsize(p)} bytes)")


if __name__ == "__main__":
    main()
