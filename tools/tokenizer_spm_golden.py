#!/usr/bin/env python3
"""tools/tokenizer_spm_golden.py: expected outputs of the SentencePiece (ALBERT, XLM-R) test tokenizers.

Contract: the reference is python3-sentencepiece (Debian) plus Hugging Face transformers' slow
AlbertTokenizer / XLMRobertaTokenizer rules written out below (transformers itself is not
installable when this was written, and transformers.js's Precompiled normalizer only approximates the model's
charsmap, so it is not used): special tokens written in the text are split out first
(leftmost-longest; the mask token lstrip), ALBERT lower-cases the text one character at a time, then per chunk
preprocess_text (strip and collapse whitespace, `` and '' -> ", NFKD without combining marks,
lower), sp.encode(out_type=str), the "digit + ," re-split of _tokenize, PieceToId; XLM-R maps ids
with fairseq's table (<s> <pad> </s> <unk> = 0-3, SentencePiece id + 1, 0 -> <unk>, <mask> last).
Templates: ALBERT [CLS] A [SEP] (B [SEP]) with type ids 0/1, XLM-R <s> A </s> (</s> B </s>) all 0.
Offsets come from SentencePiece's own piece spans (begin/end of the immutable proto) mapped back
to code points through a per-character replay of the preprocessing; a line whose replay differs
from the whole-string preprocessing, or that hit the digit-comma re-split, gets "offsets": null.
Writes tests/data/tokenizers/expected_<name>.jsonl (input_ids, token_type_ids, offsets flat) and
expected_<name>_max32.jsonl (input_ids) with Hugging Face's longest_first at max_length 32.
A second corpus, tests/data/tokenizers/unknown_runs.jsonl (written by this script, seeded), mixes
runs of characters no piece contains (CJK Ext. B, private use, unassigned, emoji, Hangul
syllables; 1 to 5,000 long, which libsentencepiece merges into one <unk>) with known text and with
the characters normalisation joins to their neighbours (combining marks, Hangul jamo, fullwidth
forms, odd spaces, format characters); its goldens are expected_<name>_unknown_runs.jsonl
(same format) and expected_<name>_unknown_runs_max32.jsonl.
Nothing here uses lightbert.

usage: tools/tokenizer_spm_golden.py
"""
import json
import os
import sys
import unicodedata

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer_golden import longest_first  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.jsonl")
DATA = os.path.join(ROOT, "tests", "data", "tokenizers")
MAX_LENGTH = 32
UNDERLINE = "\u2581"


def lower_chars(text):
    """str.lower applied to each character on its own (transformers' tokenize())."""
    return "".join(c.lower() for c in text)


class Reference:
    def __init__(self, name):
        self.name = name
        self.albert = name.startswith("albert")
        folder = os.path.join(DATA, name)
        model = "spiece.model" if self.albert else "sentencepiece.bpe.model"
        self.sp = spm.SentencePieceProcessor(model_file=os.path.join(folder, model))
        n = self.sp.get_piece_size()
        if self.albert:
            self.specials = {t: self.sp.piece_to_id(t) for t in
                             ("[CLS]", "[SEP]", "<pad>", "<unk>", "[MASK]")}
            self.mask, self.cls, self.sep = "[MASK]", "[CLS]", "[SEP]"
        else:
            self.specials = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": n + 1}
            self.mask, self.cls, self.sep = "<mask>", "<s>", "</s>"
        self.resplit = False

    # --- HF slow tokenizer ----------------------------------------------------------------
    def split_specials(self, text):
        """[(chunk, is_special, begin, end)] in code points; leftmost-longest matches."""
        out, i, start = [], 0, 0
        keys = sorted(self.specials, key=len, reverse=True)
        while i < len(text):
            hit = next((k for k in keys if text.startswith(k, i)), None)
            if hit is None:
                i += 1
                continue
            begin = i
            if hit == self.mask:  # lstrip: the whitespace on its left goes with it
                while begin > start and text[begin - 1].isspace():
                    begin -= 1
            if begin > start:
                out.append((text[start:begin], False, start, begin))
            out.append((hit, True, begin, i + len(hit)))
            i = start = i + len(hit)
        if start < len(text):
            out.append((text[start:], False, start, len(text)))
        return out

    def preprocess(self, text):
        if not self.albert:
            return text
        # PreTrainedTokenizer.tokenize lower-cases one character at a time (its regex "(.+?)"
        # matches single characters: no Final_Sigma), then preprocess_text's remove_space.
        out = " ".join(lower_chars(text).strip().split())
        out = out.replace("``", '"').replace("''", '"')
        out = unicodedata.normalize("NFKD", out)
        out = "".join(c for c in out if not unicodedata.combining(c))
        return out.lower()

    def preprocess_aligned(self, text):
        """Per-character replay of preprocess: (string, source index of each character)."""
        if not self.albert:
            return text, list(range(len(text)))
        chars = [(c2, i) for i, c in enumerate(lower_chars(text)) for c2 in [c]]
        # lower() may lengthen the text (U+0130): keep it only when it does not.
        if len(lower_chars(text)) != len(text):
            return None, None
        while chars and chars[0][0].isspace():
            chars.pop(0)
        while chars and chars[-1][0].isspace():
            chars.pop()
        collapsed = []
        for c, i in chars:
            if c.isspace():
                if collapsed and collapsed[-1][0] == " " and collapsed[-1][2]:
                    continue
                collapsed.append((" ", i, True))
            else:
                collapsed.append((c, i, False))
        chars = [(c, i) for c, i, _ in collapsed]
        out, k = [], 0
        while k < len(chars):
            c = chars[k][0]
            if c in "`'" and k + 1 < len(chars) and chars[k + 1][0] == c:
                out.append(('"', chars[k][1]))
                k += 2
                continue
            out.append(chars[k])
            k += 1
        out = [(d, i) for c, i in out for d in unicodedata.normalize("NFKD", c)
               if not unicodedata.combining(d)]
        out = [(d, i) for c, i in out for d in c.lower()]
        return "".join(c for c, _ in out), [i for _, i in out]

    def to_id(self, piece):
        if self.albert:
            return self.sp.piece_to_id(piece)
        if piece in self.specials:
            return self.specials[piece]
        sid = self.sp.piece_to_id(piece)
        return sid + 1 if sid else 3

    def chunk(self, text, offset):
        """(ids, offsets or None) of one chunk without special tokens."""
        pre = self.preprocess(text)
        if not pre:
            return [], []
        pieces = self.sp.encode(pre, out_type=str)
        tokens = []
        for piece in pieces:
            if self.albert and len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit():
                self.resplit = True
                cur = self.sp.encode(piece[:-1].replace(UNDERLINE, ""), out_type=str)
                if piece[0] != UNDERLINE and cur[0][0] == UNDERLINE:
                    cur = cur[1:] if len(cur[0]) == 1 else [cur[0][1:]] + cur[1:]
                tokens += cur + [piece[-1]]
            else:
                tokens.append(piece)
        ids = [self.to_id(t) for t in tokens]
        aligned, source = self.preprocess_aligned(text)
        if aligned != pre:
            return ids, None
        proto = self.sp.encode(pre, out_type="immutable_proto")
        # The Python binding gives begin/end in code points of its input (the C++ API in bytes).
        offsets = []
        for p in proto.pieces:
            b = source[p.begin] if p.begin < len(pre) else (source[-1] + 1)
            e = source[p.end - 1] + 1 if p.end > p.begin else b
            offsets.append([offset + b, offset + e])
        return ids, (offsets if len(offsets) == len(ids) else None)

    def sequence(self, text):
        ids, offsets = [], []
        for chunk, special, b, e in self.split_specials(text):
            if special:
                ids.append(self.specials[chunk])
                offsets.append([b, e])
                continue
            cids, coff = self.chunk(chunk, b)
            ids += cids
            offsets = None if offsets is None or coff is None else offsets + coff
        return ids, offsets

    def encode(self, line):
        self.resplit = False
        a, oa = self.sequence(line["text"])
        is_pair = "text_pair" in line
        b, ob = self.sequence(line["text_pair"]) if is_pair else ([], [])
        cls, sep = self.specials[self.cls], self.specials[self.sep]
        z = [0, 0]
        if self.albert:
            ids = [cls] + a + [sep] + (b + [sep] if is_pair else [])
            types = [0] * (len(a) + 2) + ([1] * (len(b) + 1) if is_pair else [])
            offs = None if oa is None or ob is None else [z] + oa + [z] + (ob + [z] if is_pair else [])
        else:
            ids = [cls] + a + [sep] + ([sep] + b + [sep] if is_pair else [])
            types = [0] * len(ids)
            offs = None if oa is None or ob is None else [z] + oa + [z] + ([z] + ob + [z] if is_pair else [])
        if self.resplit:
            offs = None
        added = (3 if self.albert else 4) if is_pair else 2
        ka, kb = longest_first(len(a), len(b), MAX_LENGTH - added, is_pair)
        if self.albert:
            cut = [cls] + a[:ka] + [sep] + (b[:kb] + [sep] if is_pair else [])
        else:
            cut = [cls] + a[:ka] + [sep] + ([sep] + b[:kb] + [sep] if is_pair else [])
        return {"input_ids": ids, "token_type_ids": types,
                "offsets": None if offs is None else [x for span in offs for x in span]}, cut


UNKNOWN_RUNS = os.path.join(DATA, "unknown_runs.jsonl")


def unknown_runs_corpus():
    """Seeded texts around runs of characters that no test piece contains."""
    import random
    rng = random.Random(20261207)
    unknown = [lambda: chr(0x20000 + rng.randrange(5000)),  # CJK Ext. B
               lambda: chr(0xE000 + rng.randrange(2000)),   # private use
               lambda: chr(0x0378),                         # unassigned
               lambda: chr(0x1F600 + rng.randrange(60)),    # emoji
               lambda: chr(0xAC00 + rng.randrange(11000))]  # Hangul syllables
    joiners = ["\u0301", "\u0308", "\u0b3e", "\u1100", "\u1161", "\u11a8", "\uff21", "\uff11",
               "\u3000", "\u00a0", "\t", "\u200b", "\ufeff", "\u2163", "\u0b47", "\u1025"]
    known = ["the", "a", "1,", "12,5", ",", "Hello", "world", "x", "ab1,", "e\u0301"]
    lines = []
    for n in range(240):
        parts = []
        for _ in range(rng.randrange(1, 7)):
            kind = rng.randrange(4)
            if kind <= 1:
                length = rng.choice([1, 2, 3, 4, 5, 8, 40, 300])
                pick = rng.choice(unknown)
                parts.append("".join(pick() for _ in range(length)))
            elif kind == 2:
                parts.append(rng.choice(joiners))
            else:
                parts.append(rng.choice(known))
            if rng.random() < 0.3:
                parts.append(" ")
        text = "".join(parts)
        line = {"text": text}
        if n % 10 == 9:
            line["text_pair"] = "".join(chr(0x20000 + rng.randrange(5000)) for _ in range(30)) + " b"
        lines.append(line)
    lines.append({"text": "".join(chr(0x20000 + i % 5000) for i in range(5000))})
    lines.append({"text": "a" + "".join(chr(0xE000 + i % 2000) for i in range(5000)) + "\u0301b"})
    return lines


def write_goldens(ref, corpus, suffix):
    name = ref.name
    full_path = os.path.join(DATA, f"expected_{name}{suffix}.jsonl")
    cut_path = os.path.join(DATA, f"expected_{name}{suffix}_max{MAX_LENGTH}.jsonl")
    no_offsets = 0
    with open(full_path, "w", encoding="utf-8") as full, \
            open(cut_path, "w", encoding="utf-8") as cut:
        for line in corpus:
            rec, ids = ref.encode(line)
            no_offsets += rec["offsets"] is None
            full.write(json.dumps(rec, separators=(",", ":")) + "\n")
            cut.write(json.dumps({"input_ids": ids}, separators=(",", ":")) + "\n")
    print(f"wrote {full_path} ({os.path.getsize(full_path)} bytes, {no_offsets} lines "
          f"without offsets) and {cut_path}")


def main():
    with open(CORPUS, encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    runs = unknown_runs_corpus()
    with open(UNKNOWN_RUNS, "w", encoding="utf-8") as f:
        for line in runs:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    for name in ("albert-tiny", "xlmr-tiny"):
        ref = Reference(name)
        write_goldens(ref, runs, "_unknown_runs")
        write_goldens(ref, corpus, "")

if __name__ == "__main__":
    main()
