#!/usr/bin/python3
"""tools/make_cli_golden.py: golden outputs for the CLI tests, from the independent references.

Contract: for the texts in tests/data/tiny-bert/golden/cli_inputs.jsonl, tokenizes with
Hugging Face's Python tokenizer (tools/tokenizer_reference.py in the pinned venv, on a
tokenizer.json made from tiny-bert's vocab.txt and bert-base-uncased's tokenizer.json settings), runs tiny-bert through bertlib's
PyTorch BertModel in float64, and writes tests/data/tiny-bert/golden/cli_expected.jsonl, one line
per input: input_ids, token_type_ids (no truncation; null when the input is too long for the
model), the same truncated to 128 tokens by Hugging Face ("truncated"), and, on the truncated ids,
last_hidden_state, pooler_output and the sentence embeddings mean / cls / max, raw and L2-normalised
(sentence-transformers semantics: mean over all real tokens, specials included).
usage: /usr/bin/python3 tools/make_cli_golden.py [ORACLE_DIR]
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORACLE = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/lightbert-oracle")
SHARED = os.path.join(ROOT, "..", "shared")
sys.path.insert(0, ORACLE)
import bertlib  # noqa: E402
sys.path.insert(0, HERE)
import tokenizer_reference  # noqa: E402  (Hugging Face's Python tokenizer)
from tokenizer_golden import truncate  # noqa: E402  (Hugging Face's longest_first rule)

MODEL = os.path.join(ROOT, "tests", "data", "tiny-bert")
GOLD = os.path.join(MODEL, "golden")
MAX_LEN = 128


def make_tokenizer_folder(tmp):
    vocab = open(os.path.join(MODEL, "vocab.txt"), encoding="utf-8").read().split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    tj = json.load(open(os.path.join(SHARED, "vocab", "bert-base-uncased", "tokenizer.json"), encoding="utf-8"))
    ids = {t: i for i, t in enumerate(vocab)}
    tj["model"]["vocab"] = ids
    for t in tj["added_tokens"]:
        t["id"] = ids[t["content"]]
    for name, st in tj["post_processor"]["special_tokens"].items():
        st["ids"] = [ids[name]]
    folder = os.path.join(tmp, "tiny-bert")
    os.makedirs(folder)
    json.dump(tj, open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8"), ensure_ascii=False)
    shutil.copy(os.path.join(MODEL, "tokenizer_config.json"), folder)
    return folder


def tokenize(folder, lines, max_length=None):
    """Hugging Face's Python tokenizer (tools/tokenizer_reference.py, in the pinned venv)."""
    return tokenizer_reference.run(folder, [json.loads(x) for x in lines], max_length)


def round_floats(x):
    if isinstance(x, float):
        return float(f"{x:.9g}")
    if isinstance(x, list):
        return [round_floats(v) for v in x]
    if isinstance(x, dict):
        return {k: round_floats(v) for k, v in x.items()}
    return x


def main():
    model, _ = bertlib.load_model_folder(MODEL, dtype=torch.float64)
    lines = [x for x in open(os.path.join(GOLD, "cli_inputs.jsonl"), encoding="utf-8").read().splitlines() if x.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_tokenizer_folder(tmp)
        full = tokenize(folder, lines)
        trunc = tokenize(folder, lines, MAX_LEN)  # Hugging Face's own longest_first
    for f, t, x in zip(full, trunc, lines):  # the restated rule agrees with it
        assert truncate(f, "text_pair" in json.loads(x), MAX_LEN)["input_ids"] == t["input_ids"], x
    out = []
    for f, t in zip(full, trunc):
        ids = torch.tensor([t["input_ids"]])
        types = torch.tensor([t["token_type_ids"]])
        with torch.inference_mode():
            h, p = model(ids, torch.ones_like(ids), types)
        h = h[0].numpy()
        emb = {"mean": h.mean(0), "cls": h[0], "max": h.max(0)}
        rec = {"input_ids": f["input_ids"] if len(f["input_ids"]) <= MAX_LEN else None,
               "token_type_ids": f["token_type_ids"] if len(f["input_ids"]) <= MAX_LEN else None,
               "num_tokens": len(f["input_ids"]),
               "truncated": {"input_ids": t["input_ids"], "token_type_ids": t["token_type_ids"]},
               "last_hidden_state": h.tolist(), "pooler_output": p[0].numpy().tolist()}
        for k, v in emb.items():
            rec["embed_" + k] = v.tolist()
            rec["embed_" + k + "_normalized"] = (v / max(np.linalg.norm(v), 1e-12)).tolist()
        out.append(rec)
    with open(os.path.join(GOLD, "cli_expected.jsonl"), "w", encoding="utf-8") as f:
        for r in out:
            # 9 significant digits: float64 reference values to well below the 1e-4 tolerance
            f.write(json.dumps(round_floats(r), separators=(",", ":")) + "\n")
    print(f"[cli-golden] {len(out)} inputs -> {GOLD}/cli_expected.jsonl (torch {torch.__version__}, float64)")


if __name__ == "__main__":
    main()
