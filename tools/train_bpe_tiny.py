#!/usr/bin/env python3
"""tools/train_bpe_tiny.py: trains a tiny byte-level BPE (GPT-2 / RoBERTa style) for the tests.

Contract: reads the texts of tests/data/tokenizer/corpus.jsonl, splits them with the GPT-2
pre-tokenizer pattern (written out here with unicodedata, no third-party regex module), maps
bytes to GPT-2's printable characters, learns N merges (most frequent pair, ties broken by the
pair's strings, so the output is deterministic) and writes a RoBERTa-layout folder:
vocab.json (<s>=0 <pad>=1 </s>=2 <unk>=3, the 256 byte characters, the merges, <mask> last),
merges.txt ("#version: 0.2" + one merge per line), tokenizer.json (BPE + ByteLevel pre-tokenizer +
RobertaProcessing, as Hugging Face's RobertaConverter writes it), tokenizer_config.json and
special_tokens_map.json. The tokenizer itself is then checked against Hugging Face's Python tokenizer by
tools/tokenizer_bpe_golden.py; nothing here uses lightbert.

usage: tools/train_bpe_tiny.py [--merges 400] [--out tests/data/tokenizers/roberta-tiny]
       [--add-prefix-space]
"""
import argparse
import collections
import json
import os
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.jsonl")


def bytes_to_unicode():
    """GPT-2's byte -> printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def is_number(c):
    return unicodedata.category(c).startswith("N")


def is_space(c):
    return c.isspace()


def gpt2_split(text):
    """'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "'":
            if text[i + 1:i + 3] in ("re", "ve", "ll"):
                out.append(text[i:i + 3])
                i += 3
                continue
            if text[i + 1:i + 2] in ("s", "t", "m", "d"):
                out.append(text[i:i + 2])
                i += 2
                continue
        j = i + 1 if text[i] == " " and i + 1 < n else i
        c = text[j]
        for cls in (is_letter, is_number, lambda x: not (is_space(x) or is_letter(x) or is_number(x))):
            if cls(c):
                k = j + 1
                while k < n and cls(text[k]):
                    k += 1
                out.append(text[i:k])
                i = k
                break
        else:
            k = i
            while k < n and is_space(text[k]):
                k += 1
            if k < n and k - i >= 2:
                k -= 1
            elif k < n:
                k = i + 1
            out.append(text[i:k])
            i = k
    return out


def train(words, n_merges):
    """words: Counter of tuples of byte characters. Returns the merges in order."""
    words = {tuple(w): c for w, c in words.items()}
    merges = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        merged = {}
        for w, c in words.items():
            out = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + c
        words = merged
    return merges


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--merges", type=int, default=400)
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "tokenizers", "roberta-tiny"))
    parser.add_argument("--add-prefix-space", action="store_true")
    args = parser.parse_args()

    table = bytes_to_unicode()
    counts = collections.Counter()
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for key in ("text", "text_pair"):
                if key in row:
                    for piece in gpt2_split(row[key]):
                        counts["".join(table[b] for b in piece.encode("utf-8"))] += 1
    merges = train({tuple(w): c for w, c in counts.items()}, args.merges)

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab = {t: i for i, t in enumerate(specials)}
    for b in range(256):
        vocab.setdefault(table[b], len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<mask>"] = len(vocab)

    os.makedirs(args.out, exist_ok=True)

    def write_json(name, obj):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1)
            f.write("\n")

    write_json("vocab.json", vocab)
    with open(os.path.join(args.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")

    def added(content, lstrip=False):
        return {"id": vocab[content], "content": content, "single_word": False, "lstrip": lstrip,
                "rstrip": False, "normalized": False, "special": True}

    prefix = args.add_prefix_space
    write_json("tokenizer.json", {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(t) for t in specials] + [added("<mask>", lstrip=True)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": prefix, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": prefix},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False,
                  "byte_fallback": False, "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    })
    mask = {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False,
            "normalized": False, "__type": "AddedToken"}
    write_json("tokenizer_config.json", {
        "tokenizer_class": "RobertaTokenizer", "add_prefix_space": prefix, "errors": "replace",
        "model_max_length": 512, "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
        "cls_token": "<s>", "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": mask,
        "trim_offsets": True,
    })
    write_json("special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "pad_token": "<pad>", "cls_token": "<s>", "mask_token": mask,
    })
    print(f"wrote {args.out}: {len(vocab)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
