#!/usr/bin/env python3
"""tools/accuracy_tasks.py: what lightbert's compression costs on real tasks, with real models:
writes the table in docs/accuracy.md between its `<!-- tasks:begin -->` and `<!-- tasks:end -->`
markers (the rest of the file is kept).

Contract: for each real model and task it can find
- STS-B dev Spearman (tools/stsb.py) with every sentence-embedding model in the cache
  (tools/fetch_models.py: all-MiniLM-L6-v2; bge-small-en-v1.5 when it is fetched);
- SST-2 accuracy on the 2,000 held-out phrases, CoNLL-2003 dev F1 (3,250 sentences; seqeval's
  entity rule, tag of each word's first sub-token, tools/task_data.py), CoNLL-2003 dev F1 of the
  CRF-topped head, SQuAD v1.1 EM / F1 on the held-out articles 20-23, LCQMC accuracy: with the
  heads tools/finetune.py caches in ~/.cache/lightbert/finetuned/<task>; a head whose own
  transformers score (lightbert_finetune.json) shows it is a smoke run (--mode fast) is left out
  and named under the table;
it scores the model as downloaded / trained (lightbert fp32, the folder) and as `lightbert convert
FOLDER OUT.lbt` writes it with --dtype int8, --dtype bf16, --prune-heads-ratio 0.1 / 0.25 / 0.4
(fp32 weights; head importance from 200 calibration texts of the task's TRAINING split, 50 for
CoNLL since the importance costs one forward per head, written one per line and passed as --calib) and --keep-layers 0,1,2,3 (the top 2 of 6 layers dropped),
each .lbt loaded by the Python module. Each row gives the score, its ratio to fp32 (targets: int8
>= 99%, bf16 >= 99.9%; a miss is marked MISSED) and convert's last_hidden_state cosine on the
calibration text. transformers' own fp32 score is given beside (the pipelines, tools/finetune.py's
evaluate(); sentence-transformers for STS-B).
Scores are cached in ~/.cache/lightbert/accuracy_tasks.json keyed by task, variant, the sha256 of
the checkpoint's weights and of the lightbert CLI and module binaries (--no-cache recomputes).
Needs the Release build with -DLIGHTBERT_PYTHON=ON and tools/real_env.sh's venv (re-executes
itself under it). Usage:
  python3 tools/accuracy_tasks.py [--build build] [--out docs/accuracy.md] [--threads 2]
      [--tasks stsb,sst2,conll,conll-crf,squad,lcqmc] [--no-cache] [--conll-sentences N]
      [--keep-float-worst N]
(--conll-sentences N scores CoNLL on the first N dev sentences only, named in the table;
--keep-float-worst N, opt-in: where int8 misses its target, the row "int8, N Linears fp32" scores
int8 with the N encoder Linears tools/int8_layer_stats.py ranks worst kept fp32, convert
--keep-float.)
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_PY = Path(os.environ.get("LIGHTBERT_VENV", Path.home() / ".cache/lightbert/venv")) / "bin/python"
try:
    import sentence_transformers  # noqa: F401
    import transformers  # noqa: F401
except ImportError:
    if VENV_PY.exists() and Path(sys.executable) != VENV_PY:
        os.execv(str(VENV_PY), [str(VENV_PY)] + sys.argv)
    sys.exit("accuracy_tasks: needs transformers and sentence-transformers; run tools/real_env.sh")

import numpy as np  # noqa: E402

sys.path.insert(0, str(REPO / "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402
import task_data  # noqa: E402

BEGIN, END = "<!-- tasks:begin -->", "<!-- tasks:end -->"
FINETUNED = Path(os.environ.get("LIGHTBERT_FINETUNED", Path.home() / ".cache/lightbert/finetuned"))
CACHE = Path.home() / ".cache/lightbert/accuracy_tasks.json"
TARGET = {"int8": 0.99, "bf16": 0.999}
VARIANTS = [  # (name, convert arguments; None: the folder itself)
    ("fp32", None),
    ("int8", ["--dtype", "int8"]),
    ("bf16", ["--dtype", "bf16"]),
    ("prune 10% heads", ["--prune-heads-ratio", "0.1"]),
    ("prune 25% heads", ["--prune-heads-ratio", "0.25"]),
    ("prune 40% heads", ["--prune-heads-ratio", "0.4"]),
    ("4 of 6 layers", ["--keep-layers", "0,1,2,3"]),
]
CALIB_TEXTS = 200
# CoNLL: fewer calibration texts (the head importance is one forward per head, 72 of them)
CALIB_TEXTS_OF = {"conll": 50, "conll-crf": 50}


# ---- tasks: (metric name, calibration texts, scorer(lightbert model) -> (score, extra)) ------
def stsb_task():
    gold, pairs = stsb.read_stsb(stsb.stsb_path())
    sentences, idx = stsb.unique_sentences(pairs)
    _, train_pairs = stsb.read_stsb(str(Path(stsb.stsb_path()).with_name("sts-train.csv")))
    calib = [s for p in train_pairs[:CALIB_TEXTS // 2] for s in p]
    return ("STS-B dev Spearman", calib,
            lambda m, threads: stsb.stsb_spearman(m.encode(sentences, batch_size=32), idx, gold))


def sst2_task(pairs=False):
    train, held = task_data.lcqmc_split() if pairs else task_data.sst2_split()
    if pairs:
        calib = [x + " " + y for (x, y), _ in train[:CALIB_TEXTS]]
        inputs = [{"text": x, "text_pair": y} for (x, y), _ in held]
        names = ["different", "same"]
    else:
        calib = [s for s, _ in train[:CALIB_TEXTS]]
        inputs = [s for s, _ in held]
        names = ["negative", "positive"]

    def score(m, threads):
        out = m.classify(inputs)
        return float(np.mean([o["label"] == names[y] for o, (_, y) in zip(out, held)]))
    return ("LCQMC held-out accuracy" if pairs else "SST-2 held-out accuracy", calib, score)


def conll_task(crf=False, sentences=None):
    train, dev = task_data.conll_split(heldout=sentences)
    calib = [" ".join(w) for w, _ in train[:CALIB_TEXTS_OF["conll"]]]
    texts = [" ".join(w) for w, _ in dev]

    def score(m, threads):
        out = m.ner(texts, aggregation="none")
        pred = [task_data.word_tags_from_entities(w, o) for (w, _), o in zip(dev, out)]
        return task_data.conll_f1([t for _, t in dev], pred)
    what = "" if sentences is None else f", first {len(dev):,} sentences"
    return ("CoNLL-2003 dev F1" + (" (CRF head" + what + ")" if crf else (" (" + what[2:] + ")" if what else "")),
            calib, score)


def squad_task():
    train, held = task_data.squad_split()
    calib = [q["question"] + " " + q["context"] for q in train[:CALIB_TEXTS:4]]

    def score(m, threads):
        preds = [m.qa(q["question"], q["context"])["answer"] for q in held]
        em, f1 = task_data.squad_scores(preds, [q["answers"] for q in held])
        return f1, f"EM {em:.2f}"
    return ("SQuAD held-out F1", calib, score)


TASKS = {"stsb": stsb_task, "sst2": sst2_task, "lcqmc": lambda: sst2_task(pairs=True),
         "conll": conll_task, "conll-crf": lambda: conll_task(crf=True), "squad": squad_task}


_LAYER_STATS = {}


def layer_stats(folder, calib, threads):
    """tools/int8_layer_stats.py's rows for the folder on the calibration texts (computed once)."""
    if folder not in _LAYER_STATS:
        import int8_layer_stats
        _LAYER_STATS[folder] = int8_layer_stats.stats(folder, calib, threads)
    return _LAYER_STATS[folder]


def worst_linears(rows, n):
    """The n encoder Linears of largest int8 output error, named as convert --keep-float takes
    them (transformers' module name from the first encoder / pooler segment on: "bert.encoder.
    layer.1.output.dense" -> "encoder.layer.1.output.dense"); task-head Linears are left out (the
    head is fp32 in every .lbt)."""
    out = []
    for r in sorted(rows, key=lambda r: -r["rel_err"]):
        parts = r["name"].split(".")
        at = next((i for i, p in enumerate(parts) if p in ("encoder", "transformer", "pooler")), None)
        if at is not None:
            out.append(".".join(parts[at:]))
    return out[:n]


def transformers_score(task, info):
    s = (info or {}).get("score_transformers") or {}
    return s.get("accuracy") if task in ("sst2", "lcqmc") else s.get("f1")


def engine_source(build):
    """'commit abc1234' (+ ', with uncommitted changes') of the source tree `build` was configured
    from (its CMakeCache's CMAKE_HOME_DIRECTORY); 'an unknown commit' when that is not a git tree."""
    try:
        home = next(line.split("=", 1)[1].strip()
                    for line in Path(build, "CMakeCache.txt").read_text().splitlines()
                    if line.startswith("CMAKE_HOME_DIRECTORY:"))
        head = subprocess.run(["git", "-C", home, "rev-parse", "--short", "HEAD"], check=True,
                              stdout=subprocess.PIPE, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", home, "status", "--porcelain", "--untracked-files=no"],
                               check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    except (OSError, StopIteration, subprocess.CalledProcessError):
        return "an unknown commit"
    return f"commit {head}" + (", with uncommitted changes" if dirty else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--out", default=str(REPO / "docs" / "accuracy.md"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tasks", default="stsb,sst2,conll,conll-crf,squad,lcqmc")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--conll-sentences", type=int, default=None,
                    help="score CoNLL on the first N dev sentences (default: all 3,250)")
    ap.add_argument("--keep-float-worst", type=int, default=0, metavar="N",
                    help="where int8 misses its target, also score int8 with the N encoder "
                         "Linears int8_layer_stats ranks worst kept fp32 (convert --keep-float)")
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.build, "python"))
    import lightbert
    cli = os.path.join(a.build, "lightbert")
    modules = sorted(Path(a.build, "python", "lightbert").glob("_lightbert*.so"))
    if not modules:
        sys.exit(f"accuracy_tasks: no Python module in {a.build}/python/lightbert "
                 "(configure with -DLIGHTBERT_PYTHON=ON and build)")
    module = modules[0]
    source = engine_source(a.build)
    engine = fetch_models.sha256_file(cli) + fetch_models.sha256_file(module)
    engine = hashlib.sha256(engine.encode()).hexdigest()[:16]
    cache = {} if a.no_cache or not CACHE.exists() else json.loads(CACHE.read_text())
    if not isinstance(cache, dict) or cache.get("format") != "accuracy_tasks/1":
        cache = {"format": "accuracy_tasks/1", "scores": {}}

    # (model, task, folder, reference score, reference name)
    jobs, left_out = [], []
    root = fetch_models.cache_root(None)
    for task in a.tasks.split(","):
        if task == "stsb":
            for name in sorted(fetch_models.MODELS):
                if fetch_models.verified(name, root):
                    jobs.append((name, task, str(root / name), None, None))
                else:
                    left_out.append(f"{name}: not in {root} (tools/fetch_models.py)")
            continue
        folder = FINETUNED / task
        info_path = folder / "lightbert_finetune.json"
        if not info_path.is_file():
            left_out.append(f"{task}: no fine-tuned head in the cache (python3 tools/finetune.py --task {task})")
            continue
        info = json.loads(info_path.read_text())
        if info.get("mode") != "full":
            left_out.append(f"{task}: the cached head is a smoke run (`--mode {info.get('mode')}`, "
                            f"{info.get('steps')} steps, transformers score "
                            f"{json.dumps(info.get('score_transformers'))}); not scored")
            continue
        jobs.append((f"all-MiniLM-L6-v2 + {task} head", task, str(folder), info, None))

    rows, checkpoints, explain = [], [], []
    t_all = time.time()
    for model_name, task, folder, info, _ in jobs:
        if task in ("conll", "conll-crf"):
            metric, calib, scorer = conll_task(task == "conll-crf", a.conll_sentences)
        else:
            metric, calib, scorer = TASKS[task]()
        n_eval = a.conll_sentences if task in ("conll", "conll-crf") else None
        weights = fetch_models.sha256_file(os.path.join(folder, "model.safetensors"))
        if info:
            own = f"its own held-out score, transformers: {json.dumps(info.get('score_transformers'))}"
            if "command" in info:
                made = f"`{info['command']}`"
            elif task in ("conll", "conll-crf"):  # held out = eng.testa, a file it did not train on
                made = f"made before tools/finetune.py by a lost script with the same recipe ({own})"
            else:
                made = ("made before tools/finetune.py by a lost script with the same recipe but an "
                        "unknown split, so its training set may overlap tools/task_data.py's held-out "
                        f"part ({own})")
            checkpoints.append(f"- {model_name}: model.safetensors sha256 {weights[:16]}..., {made} "
                               f"({info['steps']} steps of {info['batch']}, {info['train_features']} "
                               f"training features, {info['train_seconds']:.0f} s of training on "
                               f"{info['threads']} thread(s))".replace("1 thread(s)", "1 thread"))
        with tempfile.TemporaryDirectory() as tmp:
            calib_path = os.path.join(tmp, "calib.txt")
            Path(calib_path).write_text("\n".join(c.replace("\n", " ") for c in calib) + "\n")
            ref = None
            if task == "stsb":
                key = json.dumps(["stsb", "sentence-transformers", weights])
                if key not in cache["scores"]:
                    import torch
                    from sentence_transformers import SentenceTransformer
                    torch.set_num_threads(a.threads)
                    gold, pairs = stsb.read_stsb(stsb.stsb_path())
                    sentences, idx = stsb.unique_sentences(pairs)
                    emb = SentenceTransformer(folder, device="cpu").encode(
                        sentences, batch_size=32, convert_to_numpy=True, show_progress_bar=False)
                    cache["scores"][key] = {"score": stsb.stsb_spearman(emb, idx, gold)}
                ref = cache["scores"][key]["score"]
            elif "command" in info:  # made by tools/finetune.py: scored on task_data's split
                ref = transformers_score(task, info)
            base = None
            variants = list(VARIANTS)
            while variants:
                variant, args = variants.pop(0)
                key = json.dumps([task, variant, weights, engine, len(calib)] +
                                 ([n_eval] if n_eval else []))
                hit = cache["scores"].get(key)
                if hit is None:
                    t0 = time.time()
                    print(f"[accuracy] {model_name} {task} {variant}", file=sys.stderr, flush=True)
                    report = None
                    path = folder
                    if args is not None:
                        path = os.path.join(tmp, "model.lbt")
                        r = subprocess.run([cli, "convert", folder, path, "--json", "--runs", "1",
                                            "--threads", str(a.threads), "--calib", calib_path] + args,
                                           stdout=subprocess.PIPE, check=True, text=True)
                        report = json.loads(r.stdout)
                    res = scorer(lightbert.Model(path, threads=a.threads), a.threads)
                    score, extra = res if isinstance(res, tuple) else (res, "")
                    hit = {"score": score, "extra": extra, "seconds": round(time.time() - t0, 1),
                           "cosine": report and report["cosine"]["mean"],
                           "heads": report and report["heads"], "layers": report and report["layers"],
                           "size": report and report["size_bytes"]["after"]}
                    cache["scores"][key] = hit
                    CACHE.write_text(json.dumps(cache, indent=1))
                if base is None:
                    base = hit["score"]
                rows.append((model_name, metric, variant, hit, base, ref))
                if variant == "int8" and hit["score"] < TARGET["int8"] * base:
                    explain.append((model_name, metric, folder, calib, hit["score"] / base))
                    if a.keep_float_worst > 0:  # opt-in: the fix, the worst Linears kept fp32
                        names = worst_linears(layer_stats(folder, calib, a.threads),
                                              a.keep_float_worst)
                        variants.insert(0, (f"int8, {len(names)} Linears fp32",
                                            ["--dtype", "int8", "--keep-float", ",".join(names)]))
                print(f"[accuracy] {model_name} {task} {variant}: {hit['score']:.4f} "
                      f"({hit['score'] / base * 100:.2f}% of fp32)", file=sys.stderr, flush=True)

    lines = [BEGIN,
             f"Generated by `python3 tools/accuracy_tasks.py` (do not edit by hand) on {stsb.cpu_name()}, "
             f"`{lightbert.version()}` built from {source}.", "",
             "| model | task, metric | weights | score | / fp32 | cosine to fp32 (calibration) | heads, layers, .lbt MB |",
             "|---|---|---|---|---|---|---|"]
    for model_name, metric, variant, hit, base, ref in rows:
        ratio = hit["score"] / base if base else 0.0
        mark = ""
        dtype = variant.split(",")[0] if variant.split(",")[0] in TARGET else None
        if dtype:
            mark = " (target >= %g%%: %s)" % (TARGET[dtype] * 100, "met" if ratio >= TARGET[dtype] else "MISSED")
        score = f"{hit['score']:.4f}" + (f" ({hit['extra']})" if hit.get("extra") else "")
        if variant == "fp32" and ref is not None:
            score += f"; transformers {ref:.4f}"
        shape = "" if hit.get("heads") is None else \
            f"{hit['heads']} heads, {hit['layers']} layers, {hit['size'] / 1e6:.1f} MB"
        cos = "" if hit.get("cosine") is None else f"{hit['cosine']:.6f}"
        lines.append(f"| {model_name} | {metric} | {variant} | {score} | {ratio * 100:.2f}%{mark} | {cos} | {shape} |")
    for model_name, metric, folder, calib, ratio in explain:
        import int8_layer_stats
        print(f"[accuracy] {model_name}: int8 layer statistics", file=sys.stderr, flush=True)
        lines += ["", f"{model_name}, {metric}: int8 keeps {ratio * 100:.2f}% of fp32 (< 99%). "
                  f"The Linears int8 disturbs most on the {len(calib)} calibration texts "
                  "(`tools/int8_layer_stats.py`: lightbert's int8 rule simulated in float64 on "
                  "transformers' model):", ""]
        lines += int8_layer_stats.format_rows(layer_stats(folder, calib, a.threads))
    if checkpoints:
        lines += ["", "Fine-tuned heads (tools/finetune.py, cached in ~/.cache/lightbert/finetuned):"] + checkpoints
    if left_out:
        lines += ["", "Not in the table:"] + [f"- {x}" for x in left_out]
    lines.append(END)
    table = "\n".join(lines)
    out = Path(a.out)
    text = out.read_text() if out.exists() else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + table + text[text.index(END) + len(END):]
    else:
        text = text + ("\n" if text else "") + table + "\n"
    out.write_text(text)
    print(table)
    print(f"[accuracy] {time.time() - t_all:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
