"""tools/task_data.py: the labelled task sets of ../shared/data, their train / held-out splits and
their scores, shared by tools/finetune.py (training), tests/real/ (lightbert == transformers'
pipelines on the held-out parts) and tools/accuracy_tasks.py (what compression costs), so that all
three read, split and score every task the same way.

Contract:
- Data root: $LIGHTBERT_DATA, else ../shared/data beside the repository. Nothing here is
  committed; a missing file raises FileNotFoundError naming it.
- Splits are deterministic functions of the seed (SEED = 20261207, fixed): a numpy
  RandomState(seed) permutation; the held-out part is taken FIRST, so it does not depend on how
  much training data a recipe uses.
  * sst2: train.tsv (67,349 phrases; GLUE's dev set is not here): held out = the first 2,000 of
    the permutation, training = the next N. SST-2's train phrases are sub-phrases of the same
    parsed sentences, so a held-out phrase may overlap a training one (the score is then
    optimistic against GLUE's dev; the parity checks do not care).
  * conll: eng.train (14,041 sentences) shuffled for training; held out = eng.testa (all 3,250
    dev sentences, file order). Tags are converted from IOB1 (as in the files) to IOB2 (BIO).
  * squad: dev-v1.1-part-a.json (24 articles): training = questions of articles 0-19, held out =
    questions of articles 20-23 (file order).
  * lcqmc: dev.txt (8,802 pairs): held out = the first 2,000 of the permutation, training = the
    rest.
- conll_f1(gold, pred) is seqeval's default (conlleval) rule: entity spans from IOB2 tag lists
  (an I- after O or after another type starts an entity), micro F1 over exact (type, start, end).
- squad_scores(preds, golds) is the official SQuAD v1.1 EM / F1 (normalize_answer, max over gold
  answers), in percent.
- word_tags_from_entities(words, entities) maps a token-classification pipeline's output with
  aggregation "none" (per token: entity, start, end) on " ".join(words) to one tag per word, the
  tag of the word's first sub-token ("O" when the pipeline dropped it), i.e. the usual
  first-sub-token rule, for lightbert's and transformers' outputs alike.
"""
import collections
import csv
import json
import os
import re
import string
from pathlib import Path

import numpy as np

SEED = 20261207
REPO = Path(__file__).resolve().parent.parent
CONLL_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def data_root():
    return Path(os.environ.get("LIGHTBERT_DATA", REPO.parent / "shared" / "data"))


def _path(*parts):
    p = data_root().joinpath(*parts)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: labelled data not found (set LIGHTBERT_DATA)")
    return p


# ---- SST-2 ------------------------------------------------------------------------------------
def sst2_split(train_examples=8000, heldout=2000, seed=SEED):
    rows = []
    with open(_path("sst2", "train.tsv"), encoding="utf-8", newline="") as f:
        r = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(r)
        assert header == ["sentence", "label"], header
        for sent, label in r:
            rows.append((sent.strip(), int(label)))
    perm = np.random.RandomState(seed).permutation(len(rows))
    held = [rows[i] for i in perm[:heldout]]
    train = [rows[i] for i in perm[heldout:heldout + train_examples]]
    return train, held


# ---- LCQMC ------------------------------------------------------------------------------------
def lcqmc_split(train_examples=None, heldout=2000, seed=SEED):
    rows = []
    with open(_path("lcqmc", "dev.txt"), encoding="utf-8") as f:
        for line in f:
            a, b, label = line.rstrip("\n").split("\t")
            rows.append(((a, b), int(label)))
    perm = np.random.RandomState(seed).permutation(len(rows))
    held = [rows[i] for i in perm[:heldout]]
    rest = perm[heldout:] if train_examples is None else perm[heldout:heldout + train_examples]
    return [rows[i] for i in rest], held


# ---- CoNLL-2003 -------------------------------------------------------------------------------
def iob1_to_iob2(tags):
    out = []
    for i, t in enumerate(tags):
        if t.startswith("I-") and (i == 0 or out[-1] == "O" or out[-1][2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
    return out


def read_conll(name):
    sents, words, tags = [], [], []
    with open(_path("conll2003", name), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("-DOCSTART-"):
                if words:
                    sents.append((words, iob1_to_iob2(tags)))
                    words, tags = [], []
                continue
            cols = line.split(" ")
            words.append(cols[0])
            tags.append(cols[-1])
    if words:
        sents.append((words, iob1_to_iob2(tags)))
    return sents


def conll_split(train_examples=5600, heldout=None, seed=SEED):
    train = read_conll("eng.train")
    perm = np.random.RandomState(seed).permutation(len(train))
    train = [train[i] for i in perm[:train_examples]]
    dev = read_conll("eng.testa")
    return train, dev if heldout is None else dev[:heldout]


def entities(tags):
    """seqeval's get_entities (default, non-strict): set of (type, start, end)."""
    out, start, typ = set(), None, None
    for i, t in enumerate(list(tags) + ["O"]):
        bi, ty = (t[0], t[2:]) if t != "O" else ("O", None)
        ends = start is not None and (bi in ("O", "B") or ty != typ)
        if ends:
            out.add((typ, start, i - 1))
            start, typ = None, None
        if bi == "B" or (bi == "I" and start is None):
            start, typ = i, ty
    return out


def conll_f1(gold, pred):
    tp = n_gold = n_pred = 0
    for g, p in zip(gold, pred):
        eg, ep = entities(g), entities(p)
        tp += len(eg & ep)
        n_gold += len(eg)
        n_pred += len(ep)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def word_tags_from_entities(words, ents):
    starts, pos = {}, 0
    for i, w in enumerate(words):
        starts[pos] = i
        pos += len(w) + 1
    tags = ["O"] * len(words)
    seen = set()
    for e in ents:
        i = starts.get(int(e["start"]))
        if i is not None and i not in seen:  # the word's first sub-token
            seen.add(i)
            tags[i] = e["entity"]
    return tags


# ---- SQuAD v1.1 -------------------------------------------------------------------------------
def squad_split(train_articles=20, seed=SEED):
    del seed  # the split is by article, in file order
    data = json.loads(_path("squad_v1.1", "dev-v1.1-part-a.json").read_text(encoding="utf-8"))["data"]
    def questions(articles):
        out = []
        for art in articles:
            for para in art["paragraphs"]:
                for qa in para["qas"]:
                    out.append({"id": qa["id"], "question": qa["question"], "context": para["context"],
                                "answers": [a["text"] for a in qa["answers"]],
                                "answer_start": qa["answers"][0]["answer_start"]})
        return out
    return questions(data[:train_articles]), questions(data[train_articles:])


def normalize_answer(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def _f1(pred, gold):
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    prec, rec = same / len(p), same / len(g)
    return 2 * prec * rec / (prec + rec)


def squad_scores(preds, golds):
    """preds: answer strings; golds: lists of gold answers. Returns (EM, F1) in percent."""
    em = f1 = 0.0
    for p, g in zip(preds, golds):
        em += max(float(normalize_answer(p) == normalize_answer(x)) for x in g)
        f1 += max(_f1(p, x) for x in g)
    return 100.0 * em / len(preds), 100.0 * f1 / len(preds)
