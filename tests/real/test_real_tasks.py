"""tests/real/test_real_tasks.py: task heads fine-tuned from the real all-MiniLM-L6-v2
(tools/finetune.py, cached in ~/.cache/lightbert/finetuned/<task>) through the `lightbert` Python
module against transformers' own pipelines, on the held-out parts of tools/task_data.py's splits:
- sst2 (and lcqmc, pairs): text-classification on every held-out example: labels equal, scores
  within 1e-4;
- conll: token-classification on all 3,250 CoNLL-2003 dev sentences with every aggregation
  strategy (none, simple, first, max, average): the entities (label, word, start, end) equal,
  scores within 1e-4. The pipeline's forward runs once per sentence and its postprocess once per
  strategy (the same code __call__ runs);
- conll-crf: the same sentences, strategies none / simple / first, with the CRF's Viterbi tag in
  place of the argmax (lightbert's documented extension, heads/token_classification.h): the
  reference is transformers' model + the pipeline's own gather_pre_entities / group_entities /
  convert_tokens_to_string, and pytorch-crf's Viterbi (tools/head_reference.py's port);
- squad: question-answering on every held-out question (articles 20-23): answer, start, end
  equal, score within 1e-4.
A task whose checkpoint is not in the cache is skipped with the reason: tools/real_env.sh (what CI
runs) fetches the real backbones but does not train (a full head takes 10-50 minutes on 2 cores;
a few-step head gives near-tied outputs where an equality check says little). Make them with
`python3 tools/finetune.py --task T` (or keep ~/.cache/lightbert/finetuned in CI's cache).
Environment: LIGHTBERT_FINETUNED (cache root), LIGHTBERT_DATA (../shared/data),
LIGHTBERT_REAL_THREADS; PYTHONPATH with the built module; runs under the venv's python.
"""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "tools"))
import head_reference  # noqa: E402
import task_data  # noqa: E402

import lightbert  # noqa: E402

FINETUNED = Path(os.environ.get("LIGHTBERT_FINETUNED", Path.home() / ".cache/lightbert/finetuned"))
THREADS = int(os.environ.get("LIGHTBERT_REAL_THREADS", "2"))
TOL = 1e-4


def checkpoint(task):
    folder = FINETUNED / task
    if not (folder / "model.safetensors").is_file() or not (folder / "config.json").is_file():
        pytest.skip(f"no fine-tuned {task} checkpoint in {FINETUNED} (tools/real_env.sh does not "
                    f"train; run python3 tools/finetune.py --task {task})")
    import torch
    torch.set_num_threads(THREADS)
    return str(folder)


@pytest.mark.parametrize("task", ["sst2", "lcqmc"])
def test_text_classification_equals_pipeline(task):
    folder = checkpoint(task)
    from transformers import pipeline
    _, held = task_data.sst2_split() if task == "sst2" else task_data.lcqmc_split()
    inputs = ([{"text": a, "text_pair": b} for (a, b), _ in held] if task == "lcqmc"
              else [s for s, _ in held])
    clf = pipeline("text-classification", model=folder, device=-1)
    want = clf(inputs, batch_size=32)
    id2label = clf.model.config.id2label
    model = lightbert.Model(folder, threads=THREADS)
    got = model.classify(inputs)
    assert len(got) == len(want) == len(held)
    labels = [i for i, (g, w) in enumerate(zip(got, want)) if g["label"] != w["label"]]
    assert not labels, f"{len(labels)} labels differ, first {inputs[labels[0]]!r}: {got[labels[0]]} vs {want[labels[0]]}"
    diff = max(abs(g["score"] - w["score"]) for g, w in zip(got, want))
    acc = np.mean([g["label"] == id2label[y] for g, (_, y) in zip(got, held)])
    print(f"\n{task}: {len(held)} held-out, labels equal, max score diff {diff:.2e}, accuracy {acc:.4f}")
    assert diff <= TOL


def _key(e):
    return (e.get("entity", e.get("entity_group")), e["word"], int(e["start"]), int(e["end"]),
            e.get("index"))


def _compare(got, want, what):
    bad, worst = [], 0.0
    for i, (g, w) in enumerate(zip(got, want)):
        if [_key(e) for e in g] != [_key(e) for e in w]:
            bad.append(i)
        else:
            worst = max([worst] + [abs(float(a["score"]) - float(b["score"])) for a, b in zip(g, w)])
    assert len(got) == len(want)
    assert not bad, (f"{what}: {len(bad)} sentences differ, first #{bad[0]}: lightbert "
                     f"{[_key(e) for e in got[bad[0]]]} vs transformers {[_key(e) for e in want[bad[0]]]}")
    return worst


@pytest.fixture(scope="module")
def conll_dev():
    _, dev = task_data.conll_split()
    return dev, [" ".join(w) for w, _ in dev]


def test_token_classification_equals_pipeline(conll_dev):
    folder = checkpoint("conll")
    from transformers import pipeline
    dev, texts = conll_dev
    ner = pipeline("token-classification", model=folder, device=-1)
    outputs = [[ner.forward(x) for x in ner.preprocess(t)] for t in texts]
    model = lightbert.Model(folder, threads=THREADS)
    n_ents = 0
    for strategy in ("none", "simple", "first", "max", "average"):
        want = [ner.postprocess(o, aggregation_strategy=_strategy(strategy)) for o in outputs]
        got = model.ner(texts, aggregation=strategy)
        worst = _compare(got, want, f"conll {strategy}")
        n = sum(len(w) for w in want)
        n_ents += n
        print(f"\nconll {strategy}: {len(texts)} dev sentences, {n} entities equal, max score diff {worst:.2e}")
        assert worst <= TOL
        if strategy == "none":
            pred = [task_data.word_tags_from_entities(w, g) for (w, _), g in zip(dev, got)]
            f1 = task_data.conll_f1([t for _, t in dev], pred)
            print(f"conll: dev F1 (seqeval rule, first sub-token) {f1:.4f}")
    assert n_ents > 0


def _crf_reference(ner, crf, outputs, strategy, id2label):
    import torch
    ents = []
    o = outputs[0]
    assert len(outputs) == 1  # CoNLL dev sentences fit in one window
    logits = o["logits"][0].double()
    scores = torch.softmax(logits, dim=-1).numpy()
    tags = head_reference.viterbi_decode(logits.unsqueeze(1), torch.ones(len(logits), 1, dtype=torch.bool),
                                         crf["start"], crf["end"], crf["trans"])[0]
    pre = ner.gather_pre_entities(o["sentence"], o["input_ids"][0], scores, o["offset_mapping"][0],
                                  o["special_tokens_mask"][0].numpy(),
                                  _strategy(strategy))
    if strategy in ("none", "simple"):
        for p in pre:
            t = tags[p["index"]]
            ents.append({"entity": id2label[t], "score": p["scores"][t], "index": p["index"],
                         "word": p["word"], "start": p["start"], "end": p["end"]})
    else:  # first: words as the pipeline's aggregate_words groups them, tag of the first token
        words = []
        for p in pre:
            if words and p["is_subword"]:
                words[-1].append(p)
            else:
                words.append([p])
        for w in words:
            t = tags[w[0]["index"]]
            ents.append({"entity": id2label[t], "score": w[0]["scores"][t],
                         "word": ner.tokenizer.convert_tokens_to_string([p["word"] for p in w]),
                         "start": w[0]["start"], "end": w[-1]["end"]})
    if strategy != "none":
        ents = ner.group_entities(ents)
    return [e for e in ents if e.get("entity") != "O" and e.get("entity_group") != "O"]


def _strategy(name):
    from transformers.pipelines.token_classification import AggregationStrategy
    return AggregationStrategy(name)


def test_crf_token_classification_equals_reference(conll_dev):
    folder = checkpoint("conll-crf")
    from safetensors import safe_open
    from transformers import pipeline
    dev, texts = conll_dev
    with safe_open(os.path.join(folder, "model.safetensors"), "pt") as f:
        crf = {"start": f.get_tensor("crf.start_transitions").double(),
               "end": f.get_tensor("crf.end_transitions").double(),
               "trans": f.get_tensor("crf.transitions").double()}
    ner = pipeline("token-classification", model=folder, device=-1)  # ignores crf.*
    id2label = ner.model.config.id2label
    outputs = [[ner.forward(x) for x in ner.preprocess(t)] for t in texts]
    model = lightbert.Model(folder, threads=THREADS)
    differs_from_argmax = 0
    for strategy in ("none", "simple", "first"):
        want = [_crf_reference(ner, crf, o, strategy, id2label) for o in outputs]
        got = model.ner(texts, aggregation=strategy)
        worst = _compare(got, want, f"conll-crf {strategy}")
        print(f"\nconll-crf {strategy}: {len(texts)} dev sentences, {sum(len(w) for w in want)} "
              f"entities equal, max score diff {worst:.2e}")
        assert worst <= TOL
        if strategy == "none":
            plain = [ner.postprocess(o, aggregation_strategy=_strategy("none")) for o in outputs]
            differs_from_argmax = sum([_key(e) for e in a] != [_key(e) for e in b] for a, b in zip(want, plain))
            pred = [task_data.word_tags_from_entities(w, g) for (w, _), g in zip(dev, got)]
            print(f"conll-crf: dev F1 {task_data.conll_f1([t for _, t in dev], pred):.4f}; "
                  f"{differs_from_argmax} sentences where the Viterbi path differs from the argmax")
    with pytest.raises(lightbert.Error):
        model.ner(texts[:1], aggregation="max")  # not defined with a CRF


def test_question_answering_equals_pipeline():
    folder = checkpoint("squad")
    from transformers import pipeline
    _, held = task_data.squad_split()
    qa = pipeline("question-answering", model=folder, device=-1)
    model = lightbert.Model(folder, threads=THREADS)
    bad, worst, preds = [], 0.0, []
    for i, q in enumerate(held):
        w = qa(question=q["question"], context=q["context"])
        g = model.qa(q["question"], q["context"])
        preds.append(g["answer"])
        if (g["answer"], g["start"], g["end"]) != (w["answer"], w["start"], w["end"]):
            bad.append((i, g, w))
        else:
            worst = max(worst, abs(g["score"] - w["score"]))
    assert not bad, f"{len(bad)} of {len(held)} answers differ, first: lightbert {bad[0][1]} vs transformers {bad[0][2]}"
    em, f1 = task_data.squad_scores(preds, [q["answers"] for q in held])
    print(f"\nsquad: {len(held)} held-out questions, answers equal, max score diff {worst:.2e}, "
          f"EM {em:.2f} F1 {f1:.2f}")
    assert worst <= TOL
