#!/usr/bin/env python3
"""tools/tokenizer_bpe_golden.py: expected outputs of the byte-level BPE (RoBERTa) test tokenizer.

Contract: runs transformers.js (the oracle, through tools/tokenizer_bpe_reference.mjs) on every
line of tests/data/tokenizer/corpus.jsonl with tests/data/tokenizers/roberta-tiny (written by
tools/train_bpe_tiny.py) and writes tests/data/tokenizers/expected_roberta-tiny.jsonl:
input_ids from transformers.js (Hugging Face tokenizers' RobertaProcessing makes every type id
0; transformers.js would give the pair 1s, so its type ids are not used); offsets rebuilt
here from the reference tokens alone: each token's bytes are found in the text's UTF-8 (added
tokens by their content, with the whitespace an lstrip token absorbs), turned into code point
spans and trimmed as tokenizers' byte_level process_offsets does. Then
expected_roberta-tiny_max32.jsonl (input_ids, token_type_ids, offsets) cuts the reference
tokens with longest_first at max_length 32 (tools/tokenizer_golden.py's rule; transformers.js's
own truncation is wrong). Last, expected_roberta-tiny-prefix.jsonl (input_ids) is the same
corpus through a copy of the folder with add_prefix_space true (pre-tokenizer, post-processor and
tokenizer_config.json), the RoBERTa setting of NER / QA checkpoints; lines with U+FEFF or
U+0085 are marked js_whitespace_differs (JavaScript's \s and Oniguruma's disagree on them, and
the prefix space makes that visible). Nothing here uses lightbert.

usage: tools/tokenizer_bpe_golden.py [--oracle DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_golden import longest_first  # noqa: E402
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


def run_reference(oracle, folder):
    script = os.path.join(ROOT, "tools", "tokenizer_bpe_reference.mjs")
    with open(CORPUS, "rb") as f:
        out = subprocess.run(["node", script, oracle, folder], stdin=f, capture_output=True,
                             check=True).stdout.decode("utf-8")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oracle", default=os.path.expanduser("~/.cache/lightbert-oracle"))
    args = parser.parse_args()
    folder = os.path.join(DATA, NAME)
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    assert not tj["pre_tokenizer"]["add_prefix_space"], "offsets here assume add_prefix_space false"
    added = {t["content"]: (t["content"], t["lstrip"]) for t in tj["added_tokens"]}
    with open(CORPUS, encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    rows = run_reference(args.oracle, folder)
    assert len(rows) == len(corpus)
    full_path = os.path.join(DATA, f"expected_{NAME}.jsonl")
    cut_path = os.path.join(DATA, f"expected_{NAME}_max{MAX_LENGTH}.jsonl")
    with open(full_path, "w", encoding="utf-8") as full, open(cut_path, "w", encoding="utf-8") as cut:
        for line, row in zip(corpus, rows):
            ids, tokens = row["input_ids"], row["tokens"]
            is_pair = "text_pair" in line
            # <s> A </s> (</s> B </s>): find the sequences by the template positions.
            if is_pair:
                n_b = None
                # A ends at the first "</s></s>" whose remainder is B + </s>; B may contain "</s>"
                # written in the text, so search from the end for the split that re-encodes.
                for k in range(1, len(ids) - 2):
                    if ids[k] == 2 and ids[k + 1] == 2:
                        a, b = tokens[1:k], tokens[k + 2:-1]
                        try:
                            oa = sequence_offsets(line["text"], a, added)
                            ob = sequence_offsets(line["text_pair"], b, added)
                        except AssertionError:
                            continue
                        n_b = len(b)
                        break
                assert n_b is not None, line
                n_a = len(a)
            else:
                a, b = tokens[1:-1], []
                oa, ob = sequence_offsets(line["text"], a, added), []
                n_a, n_b = len(a), 0
            offsets = [[0, 0]] + oa + [[0, 0]] + ([[0, 0]] + ob + [[0, 0]] if is_pair else [])
            rec = {"input_ids": ids, "offsets": [x for span in offsets for x in span]}
            full.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            added_n = 4 if is_pair else 2
            ka, kb = longest_first(n_a, n_b, MAX_LENGTH - added_n, is_pair)
            keep = [0] + list(range(1, 1 + ka)) + [1 + n_a]
            if is_pair:
                keep += [2 + n_a] + list(range(3 + n_a, 3 + n_a + kb)) + [len(ids) - 1]
            rec = {"input_ids": [ids[k] for k in keep]}
            cut.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    prefix_path = os.path.join(DATA, f"expected_{NAME}-prefix.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, NAME + "-prefix")
        os.mkdir(target)
        prefix_folder(folder, target)
        rows = run_reference(args.oracle, target)
    assert len(rows) == len(corpus)
    with open(prefix_path, "w", encoding="utf-8") as f:
        for line, row in zip(corpus, rows):
            rec = {"input_ids": row["input_ids"]}
            # JavaScript's \s contains U+FEFF and not U+0085, Oniguruma's (Hugging Face) the
            # reverse: the GPT-2 split differs there, and transformers.js is not the reference.
            if any(c in line["text"] + line.get("text_pair", "") for c in "\ufeff\u0085"):
                rec["js_whitespace_differs"] = True
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
    for p in (full_path, cut_path, prefix_path):
        print(f"wrote {p} ({os.path.getsize(p)} bytes)")


if __name__ == "__main__":
    main()
