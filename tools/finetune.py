#!/usr/bin/env python3
"""tools/finetune.py: fine-tunes a real task head on ../shared/data with transformers, starting from
the real all-MiniLM-L6-v2 backbone (tools/fetch_models.py), and saves it as a Hugging Face folder.

Contract:
- Tasks: sst2 (BertForSequenceClassification, negative/positive), lcqmc (the same on sentence
  pairs, different/same), conll (BertForTokenClassification, CoNLL-2003 BIO tags), conll-crf (the
  same topped by a linear-chain CRF stored as pytorch-crf's crf.{transitions,start_transitions,
  end_transitions}, trained with the CRF's NLL over every token, [CLS] and [SEP] included (tag O;
  sub-words continue their word's entity as I-X), as lightbert decodes it), squad
  (BertForQuestionAnswering). Splits and scores: tools/task_data.py.
- Recipe (fixed seed 20261207; --mode full reproduces the recipes recorded with the checkpoints
  an earlier, lost script left in the cache (its SST-2 split is unknown, so its SST-2 head may have
  seen part of tools/task_data.py's held-out phrases: retrain it with this script), --mode fast a
  short smoke run): one epoch over N training examples (features for squad), AdamW (weight decay 0.01),
  linear decay to 0 after a 10% warm-up, dropout on, batches padded to their longest member
  (dynamic padding: the same math as padding to max_length, since padded positions are masked
  and no loss is taken on them), torch.set_num_threads(--threads, default 1).
- Output: ~/.cache/lightbert/finetuned/<task>/ (or --out): config.json (with id2label),
  model.safetensors, the tokenizer files, and lightbert_finetune.json holding the recipe, the
  seed, the train and wall seconds, versions, the command, and the held-out score measured with
  transformers (pipelines; CoNLL F1 by the first sub-token rule and seqeval's entity rule; the
  CRF variant by pytorch-crf's Viterbi over the emissions). The folder is written next to the
  target and renamed into place at the end, so an interrupted run never leaves half a checkpoint.
- Not committed anywhere; run under tools/real_env.sh's venv (re-executes itself there).

Usage: python3 tools/finetune.py --task sst2|conll|conll-crf|squad|lcqmc [--mode full|fast]
       [--train-examples N] [--eval-examples N] [--steps N] [--out DIR] [--threads 1]
"""
import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_PY = Path(os.environ.get("LIGHTBERT_VENV", Path.home() / ".cache/lightbert/venv")) / "bin/python"
try:
    import transformers  # noqa: F401
except ImportError:
    if VENV_PY.exists() and Path(sys.executable) != VENV_PY:
        os.execv(str(VENV_PY), [str(VENV_PY)] + sys.argv)
    sys.exit("finetune: needs transformers and torch; run tools/real_env.sh first")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(REPO / "tools"))
import fetch_models  # noqa: E402
import head_reference  # noqa: E402
import task_data  # noqa: E402

FINETUNED = Path(os.environ.get("LIGHTBERT_FINETUNED", Path.home() / ".cache/lightbert/finetuned"))
BACKBONE = "all-MiniLM-L6-v2"

# task -> mode -> recipe. full: the recipes recorded in ~/.cache/lightbert/finetuned/*/lightbert_finetune.json.
RECIPES = {
    "sst2": {"full": dict(train=8000, eval=2000, batch=32, lr=1e-4, max_length=64),
             "fast": dict(train=640, eval=200, batch=32, lr=1e-4, max_length=64)},
    "lcqmc": {"full": dict(train=6802, eval=2000, batch=32, lr=1e-4, max_length=64),
              "fast": dict(train=640, eval=200, batch=32, lr=1e-4, max_length=64)},
    "conll": {"full": dict(train=5600, eval=3250, batch=16, lr=1e-4, max_length=128),
              "fast": dict(train=1600, eval=400, batch=16, lr=1e-4, max_length=128)},
    "conll-crf": {"full": dict(train=5600, eval=3250, batch=16, lr=1e-4, max_length=128,
                               crf_lr=5e-3),
                  "fast": dict(train=1600, eval=400, batch=16, lr=1e-4, max_length=128,
                               crf_lr=5e-3)},
    # squad: train counts questions (their features, doc stride 64, are what the steps go over)
    "squad": {"full": dict(train=None, eval=None, batch=16, lr=1e-4, max_length=192, stride=64),
              "fast": dict(train=600, eval=100, batch=16, lr=1e-4, max_length=192, stride=64)},
}


# ---- CRF (pytorch-crf's parameters and NLL, batch first) -----------------------------------
class CRF(nn.Module):
    def __init__(self, num_tags):
        super().__init__()
        self.start_transitions = nn.Parameter(torch.zeros(num_tags))
        self.end_transitions = nn.Parameter(torch.zeros(num_tags))
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))

    def reset(self, gen):
        with torch.no_grad():
            for p in (self.start_transitions, self.end_transitions, self.transitions):
                p.copy_(torch.rand(p.shape, generator=gen) * 0.2 - 0.1)  # pytorch-crf: U(-0.1, 0.1)

    def nll(self, em, tags, mask):
        """Mean negative log-likelihood; em [B, T, L], tags [B, T], mask [B, T] (mask[:, 0] true)."""
        b = torch.arange(em.shape[0])
        maskf = mask.float()
        score = self.start_transitions[tags[:, 0]] + em[b, 0, tags[:, 0]]
        for t in range(1, em.shape[1]):
            score = score + (self.transitions[tags[:, t - 1], tags[:, t]] + em[b, t, tags[:, t]]) * maskf[:, t]
        last = tags[b, mask.long().sum(1) - 1]
        score = score + self.end_transitions[last]
        alpha = self.start_transitions + em[:, 0]
        for t in range(1, em.shape[1]):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + em[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
        log_z = torch.logsumexp(alpha + self.end_transitions, dim=1)
        return (log_z - score).mean()


def crf_model_class():
    from transformers import BertForTokenClassification

    class BertCrfForTokenClassification(BertForTokenClassification):
        def __init__(self, config):
            super().__init__(config)
            self.crf = CRF(config.num_labels)
    return BertCrfForTokenClassification


# ---- features ----------------------------------------------------------------------------------
def seq_features(tok, rows, max_length, pairs=False):
    if pairs:
        enc = tok([r[0][0] for r in rows], [r[0][1] for r in rows], truncation=True, max_length=max_length)
    else:
        enc = tok([r[0] for r in rows], truncation=True, max_length=max_length)
    return [{"input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i],
             "labels": rows[i][1]} for i in range(len(rows))]


def conll_features(tok, sents, max_length, crf):
    lab = {l: i for i, l in enumerate(task_data.CONLL_LABELS)}
    enc = tok([w for w, _ in sents], is_split_into_words=True, truncation=True, max_length=max_length)
    feats = []
    for i, (_, tags) in enumerate(sents):
        labels, prev = [], None
        for wid in enc.word_ids(i):
            if wid is None:
                labels.append(0 if crf else -100)
            elif wid != prev:
                labels.append(lab[tags[wid]])
            elif crf:  # a continuing sub-word continues its word's entity
                t = tags[wid]
                labels.append(lab["I-" + t[2:]] if t != "O" else 0)
            else:
                labels.append(-100)
            prev = wid
        feats.append({"input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i],
                      "labels": labels})
    return feats


def squad_features(tok, qs, max_length, stride):
    enc = tok([q["question"] for q in qs], [q["context"] for q in qs], truncation="only_second",
              max_length=max_length, stride=stride, return_overflowing_tokens=True,
              return_offsets_mapping=True)
    feats = []
    for i, offsets in enumerate(enc["offset_mapping"]):
        q = qs[enc["overflow_to_sample_mapping"][i]]
        seq = enc.sequence_ids(i)
        a0 = q["answer_start"]
        a1 = a0 + len(q["answers"][0])
        ts = seq.index(1)
        te = len(seq) - 1 - seq[::-1].index(1)
        if not (offsets[ts][0] <= a0 and offsets[te][1] >= a1):
            s = e = 0
        else:
            while ts < len(offsets) and offsets[ts][0] <= a0:
                ts += 1
            s = ts - 1
            while offsets[te][1] >= a1:
                te -= 1
            e = te + 1
        feats.append({"input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i],
                      "start_positions": s, "end_positions": e})
    return feats


def collate(batch, crf):
    n = max(len(f["input_ids"]) for f in batch)
    pad = lambda xs, v: [x + [v] * (n - len(x)) for x in xs]  # noqa: E731
    out = {"input_ids": torch.tensor(pad([f["input_ids"] for f in batch], 0)),
           "token_type_ids": torch.tensor(pad([f["token_type_ids"] for f in batch], 0)),
           "attention_mask": torch.tensor(pad([[1] * len(f["input_ids"]) for f in batch], 0))}
    for k in ("labels", "start_positions", "end_positions"):
        if k in batch[0]:
            v = [f[k] for f in batch]
            out[k] = torch.tensor(pad(v, 0 if crf else -100) if isinstance(v[0], list) else v)
    return out


# ---- evaluation with transformers --------------------------------------------------------------
def evaluate(task, folder, held, threads):
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, pipeline
    torch.set_num_threads(threads)
    tok = AutoTokenizer.from_pretrained(folder)
    if task in ("sst2", "lcqmc"):
        clf = pipeline("text-classification", model=folder, tokenizer=tok, device=-1)
        inputs = ([{"text": a, "text_pair": b} for (a, b), _ in held] if task == "lcqmc"
                  else [s for s, _ in held])
        out = clf(inputs, batch_size=32)
        id2label = clf.model.config.id2label
        acc = float(np.mean([o["label"] == id2label[y] for o, (_, y) in zip(out, held)]))
        return {"accuracy": acc, "examples": len(held)}
    if task == "conll":
        ner = pipeline("token-classification", model=folder, tokenizer=tok, device=-1,
                       aggregation_strategy="none")
        out = ner([" ".join(w) for w, _ in held], batch_size=32)
        pred = [task_data.word_tags_from_entities(w, o) for (w, _), o in zip(held, out)]
        return {"f1": task_data.conll_f1([t for _, t in held], pred), "sentences": len(held)}
    if task == "conll-crf":
        model = crf_model_class().from_pretrained(folder).eval()
        crf = model.crf
        pred = []
        for words, _ in held:
            enc = tok(" ".join(words), return_offsets_mapping=True, return_tensors="pt")
            with torch.no_grad():
                em = model(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"],
                           attention_mask=enc["attention_mask"]).logits[0]
            tags = head_reference.viterbi_decode(em.unsqueeze(1).double(),
                                                 torch.ones(em.shape[0], 1, dtype=torch.bool),
                                                 crf.start_transitions.double(), crf.end_transitions.double(),
                                                 crf.transitions.double())[0]
            offs = enc["offset_mapping"][0].tolist()
            ents = [{"entity": task_data.CONLL_LABELS[t], "start": o[0]}
                    for t, o in zip(tags[1:-1], offs[1:-1]) if t != 0]
            pred.append(task_data.word_tags_from_entities(words, ents))
        return {"f1": task_data.conll_f1([t for _, t in held], pred), "sentences": len(held)}
    if task == "squad":
        qa = pipeline("question-answering", model=AutoModelForQuestionAnswering.from_pretrained(folder),
                      tokenizer=tok, device=-1)
        preds = [qa(question=q["question"], context=q["context"])["answer"] for q in held]
        em, f1 = task_data.squad_scores(preds, [q["answers"] for q in held])
        return {"exact_match": em, "f1": f1, "questions": len(held)}
    raise ValueError(task)


# ---- main --------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", required=True, choices=sorted(RECIPES))
    ap.add_argument("--mode", default="full", choices=("full", "fast"))
    ap.add_argument("--train-examples", type=int)
    ap.add_argument("--eval-examples", type=int)
    ap.add_argument("--steps", type=int, help="stop after this many steps (a smoke run)")
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    t_wall = time.time()
    from transformers import (AutoModelForQuestionAnswering, AutoModelForSequenceClassification,
                              AutoModelForTokenClassification, AutoTokenizer,
                              get_linear_schedule_with_warmup)
    recipe = dict(RECIPES[a.task][a.mode])
    if a.train_examples is not None:
        recipe["train"] = a.train_examples
    if a.eval_examples is not None:
        recipe["eval"] = a.eval_examples
    seed = task_data.SEED
    torch.set_num_threads(a.threads)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    root = fetch_models.cache_root(None)
    if not fetch_models.verified(BACKBONE, root):
        sys.exit(f"finetune: {BACKBONE} is not in {root}; run tools/fetch_models.py")
    backbone = str(root / BACKBONE)
    tok = AutoTokenizer.from_pretrained(backbone)
    crf = a.task == "conll-crf"
    L = recipe["max_length"]

    if a.task in ("sst2", "lcqmc"):
        split = task_data.sst2_split if a.task == "sst2" else task_data.lcqmc_split
        train, held = split(train_examples=recipe["train"])
        labels = ["negative", "positive"] if a.task == "sst2" else ["different", "same"]
        model = AutoModelForSequenceClassification.from_pretrained(
            backbone, num_labels=2, id2label=dict(enumerate(labels)),
            label2id={l: i for i, l in enumerate(labels)})
        feats = seq_features(tok, train, L, pairs=a.task == "lcqmc")
    elif a.task in ("conll", "conll-crf"):
        train, held = task_data.conll_split(train_examples=recipe["train"])
        labels = task_data.CONLL_LABELS
        cls = crf_model_class() if crf else AutoModelForTokenClassification
        model = cls.from_pretrained(backbone, num_labels=len(labels), id2label=dict(enumerate(labels)),
                                    label2id={l: i for i, l in enumerate(labels)})
        if crf:
            model.crf.reset(torch.Generator().manual_seed(seed))
        feats = conll_features(tok, train, L, crf)
    else:
        train, held = task_data.squad_split()
        if recipe["train"] is not None:
            train = train[:recipe["train"]]
        model = AutoModelForQuestionAnswering.from_pretrained(backbone)
        feats = squad_features(tok, train, L, recipe["stride"])
    if recipe["eval"] is not None:
        held = held[:recipe["eval"]]

    order = np.random.RandomState(seed).permutation(len(feats))
    B = recipe["batch"]
    batches = [[feats[i] for i in order[k:k + B]] for k in range(0, len(order), B)]
    if a.steps is not None:
        batches = batches[:a.steps]
    steps = len(batches)
    head = [p for n, p in model.named_parameters() if n.startswith("crf.")]
    decay = [p for n, p in model.named_parameters()
             if not n.startswith("crf.") and not n.endswith("bias") and "LayerNorm" not in n]
    no_decay = [p for n, p in model.named_parameters()
                if not n.startswith("crf.") and (n.endswith("bias") or "LayerNorm" in n)]
    groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
    if head:
        groups.append({"params": head, "weight_decay": 0.0, "lr": recipe["crf_lr"]})
    opt = torch.optim.AdamW(groups, lr=recipe["lr"])
    sched = get_linear_schedule_with_warmup(opt, max(1, steps // 10), steps)
    model.train()
    t_train = time.time()
    for step, batch in enumerate(batches):
        inputs = collate(batch, crf)
        if crf:
            labels_t = inputs.pop("labels")
            em = model(**inputs).logits
            loss = model.crf.nll(em, labels_t, inputs["attention_mask"].bool())
        else:
            loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 10 == 0 or step == steps - 1:
            print(f"[finetune] {a.task} step {step + 1}/{steps} loss {loss.item():.4f} "
                  f"({time.time() - t_train:.0f} s)", file=sys.stderr, flush=True)
    train_seconds = time.time() - t_train

    out = Path(a.out) if a.out else FINETUNED / a.task
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.eval()
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    print(f"[finetune] evaluating on {len(held)} held-out examples", file=sys.stderr, flush=True)
    score = evaluate(a.task, str(tmp), held, a.threads)
    info = {"task": a.task, "mode": a.mode, "backbone": BACKBONE, "seed": seed, "steps": steps,
            "train_features": len(feats) if a.steps is None else sum(len(b) for b in batches),
            "train_examples": len(train), "epochs": 1, "batch": B, "lr": recipe["lr"],
            "max_length": L, "threads": a.threads,
            "schedule": "AdamW wd 0.01, linear decay, 10% warm-up, grad clip 1.0, dynamic padding",
            "train_seconds": round(train_seconds, 1), "wall_seconds": round(time.time() - t_wall, 1),
            "score_transformers": score, "torch": torch.__version__,
            "transformers": transformers.__version__,
            "command": "python3 tools/finetune.py " + " ".join(sys.argv[1:])}
    for k in ("crf_lr", "stride"):
        if k in recipe:
            info[k] = recipe[k]
    (tmp / "lightbert_finetune.json").write_text(json.dumps(info, indent=1) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    print(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
