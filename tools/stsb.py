"""tools/stsb.py: the STS Benchmark dev set and its score, shared by tests/real/ and
tools/accuracy_stsb.py so that both read and score it the same way.

Contract: read_stsb(path) reads sts-dev.csv (tab-separated, csv.QUOTE_NONE; columns genre, file,
year, id, score, sentence1, sentence2, and on some lines 2 extra columns, ignored) into
(gold scores [n], pairs [(s1, s2)]); unique_sentences(pairs) gives the distinct sentences in first-
seen order and, per pair, the indices of its two sentences; stsb_spearman(emb, idx, gold) is the
Spearman correlation between the pairs' cosine similarity and the gold scores, with
sentence-transformers' EmbeddingSimilarityEvaluator's formula (cosine = 1 - paired cosine distance,
here in float64; scipy.stats.spearmanr).
"""
import csv
import os
import platform

import numpy as np

DEFAULT_STSB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                            "data", "stsb", "sts-dev.csv")


def stsb_path():
    return os.environ.get("LIGHTBERT_STSB_DEV", os.path.normpath(DEFAULT_STSB))


def read_stsb(path):
    gold, pairs = [], []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 7:
                raise ValueError(f"{path}: a line with {len(row)} columns: {row!r}")
            gold.append(float(row[4]))
            pairs.append((row[5], row[6]))
    return np.array(gold, dtype=np.float64), pairs


def unique_sentences(pairs):
    index, sentences, idx = {}, [], []
    for s1, s2 in pairs:
        ij = []
        for s in (s1, s2):
            if s not in index:
                index[s] = len(sentences)
                sentences.append(s)
            ij.append(index[s])
        idx.append(ij)
    return sentences, np.array(idx, dtype=np.int64)


def pair_cosines(emb, idx):
    e = np.asarray(emb, dtype=np.float64)
    a, b = e[idx[:, 0]], e[idx[:, 1]]
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def stsb_spearman(emb, idx, gold):
    from scipy.stats import spearmanr
    return float(spearmanr(gold, pair_cosines(emb, idx))[0])


def cpu_name():
    """The CPU's model name (for the generated accuracy tables)."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
