#!/usr/bin/python3
"""tools/make_head_models.py: task-head fixtures and golden outputs from the independent
references (bertlib's PyTorch BertModel in float64, Hugging Face's Python tokenization, and the Hugging
Face pipeline post-processing ported in tools/head_reference.py).

Contract: writes tests/data/heads/: for each head folder NAME/ a config.json (the tiny-bert
config with the head's architectures, id2label, problem_type) and head.safetensors holding only
the head's tensors with their exact Hugging Face names (classifier.*, crf.*, qa_outputs.*,
cls.predictions.*); the test joins them with tests/data/tiny-bert (encoder tensors renamed
"bert.*", the pooler only for sequence classification, as Hugging Face saves them). chinese-ner/
is a whole tiny model (reduced bert-base-chinese vocabulary). golden.jsonl holds one record per
case: the inputs, token ids (transformers' fast tokenizer, tools/tokenizer_reference.py), float64 logits and the pipeline outputs.
usage: /usr/bin/python3 tools/make_head_models.py [ORACLE_DIR]
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
sys.path.insert(0, HERE)
import bertlib  # noqa: E402
import head_reference as ref  # noqa: E402
from make_test_models import build_model, make_config  # noqa: E402

TINY = os.path.join(ROOT, "tests", "data", "tiny-bert")
OUT = os.path.join(ROOT, "tests", "data", "heads")
BIO = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
BIOES = ["O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"]


def tokenizer_folder(tmp, vocab, src_tokenizer_json, tokenizer_config):
    tj = json.load(open(src_tokenizer_json, encoding="utf-8"))
    ids = {t: i for i, t in enumerate(vocab)}
    tj["model"]["vocab"] = ids
    for t in tj["added_tokens"]:
        t["id"] = ids[t["content"]]
    for name, st in tj["post_processor"]["special_tokens"].items():
        st["ids"] = [ids[name]]
    folder = tempfile.mkdtemp(dir=tmp)
    json.dump(tj, open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8"), ensure_ascii=False)
    shutil.copy(tokenizer_config, folder)
    return folder


def tokenize(folder, records):
    import tokenizer_reference  # Hugging Face's Python tokenizer, untruncated
    return tokenizer_reference.run(folder, records)


def read_vocab(path):
    v = open(path, encoding="utf-8").read().split("\n")
    return v[:-1] if v and v[-1] == "" else v


def rnd(gen, *shape, scale=1.0):
    return (torch.randn(*shape, generator=gen, dtype=torch.float64) * scale).float()


def save_head(name, cfg, tensors):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    bertlib.save_safetensors(os.path.join(d, "head.safetensors"),
                             {k: v.numpy().astype(np.float32) for k, v in tensors.items()})


def f64(t):
    return t.detach().double()


def hidden(model, ids, types):
    with torch.inference_mode():
        h, p = model(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), torch.tensor([types]))
    return h[0], p[0]


def r9(x):
    if isinstance(x, (float, np.floating)):
        return float(f"{float(x):.9g}")
    if isinstance(x, (list, tuple)):
        return [r9(v) for v in x]
    if isinstance(x, dict):
        return {k: r9(v) for k, v in x.items()}
    if isinstance(x, np.integer):
        return int(x)
    return x


def specials_of(tokens):
    return [t in ("[CLS]", "[SEP]") for t in tokens]


def full_offsets(text, tokens, lower, text_pair=None):
    """Offsets for [CLS] a [SEP] (b [SEP]) and word ids, specials (0, 0) / -1."""
    n1 = tokens.index("[SEP]")
    o1, w1 = ref.align(text, tokens[1:n1], lower)
    offs, words = [(0, 0)] + o1 + [(0, 0)], [-1] + w1 + [-1]
    if text_pair is not None:
        o2, w2 = ref.align(text_pair, tokens[n1 + 1:-1], lower)
        offs += o2 + [(0, 0)]
        words += w2 + [-1]
    return offs, words


def main():
    torch.manual_seed(0)
    tiny, tcfg = bertlib.load_model_folder(TINY, dtype=torch.float64)
    base_cfg = json.load(open(os.path.join(TINY, "config.json")))
    vocab = read_vocab(os.path.join(TINY, "vocab.txt"))
    H = base_cfg["hidden_size"]
    gen = torch.Generator().manual_seed(20240612)
    tmp = tempfile.mkdtemp()
    tokdir = tokenizer_folder(tmp, vocab, os.path.join(SHARED, "vocab", "bert-base-uncased", "tokenizer.json"),
                              os.path.join(TINY, "tokenizer_config.json"))
    golden = []

    # ---- sequence classification: single-label, multi-label, cross-encoder (1 label) -----------
    cls_texts = [{"text": "the weather is nice today, isn't it?"},
                 {"text": "a terrible, awful film."},
                 {"text": "Paris is the capital of France."},
                 {"text": "what time is it", "text_pair": "it is half past nine."},
                 {"text": "x"}]
    heads = {"cls-single": (["negative", "neutral", "positive"], "single_label_classification"),
             "cls-multi": (["sports", "politics", "science", "art"], "multi_label_classification"),
             "cls-cross": (None, None)}
    toks = tokenize(tokdir, cls_texts)
    for name, (labels, problem) in heads.items():
        n = len(labels) if labels else 1
        w, b = rnd(gen, n, H, scale=2.0), rnd(gen, n, scale=0.5)
        cfg = dict(base_cfg, architectures=["BertForSequenceClassification"])
        if labels:
            cfg["id2label"] = {str(i): l for i, l in enumerate(labels)}
            cfg["label2id"] = {l: i for i, l in enumerate(labels)}
        if problem:
            cfg["problem_type"] = problem
        save_head(name, cfg, {"classifier.weight": w, "classifier.bias": b})
        for rec, t in zip(cls_texts, toks):
            _, pooled = hidden(tiny, t["input_ids"], t["token_type_ids"])
            logits = (pooled @ f64(w).T + f64(b)).numpy()
            scores = ref.classification_scores(logits, cfg.get("problem_type"))
            lab = [cfg.get("id2label", {}).get(str(i), f"LABEL_{i}") for i in range(n)]
            order = sorted(range(n), key=lambda i: -scores[i])
            golden.append({"head": name, "input": rec, "input_ids": t["input_ids"], "logits": logits.tolist(),
                           "output": [{"label": lab[i], "score": scores[i]} for i in order]})

    # ---- similarity (mean pooling of tiny-bert, as the folder has no sentence-transformers files)
    for rec, t in zip(cls_texts[:4], toks):
        pair = rec.get("text_pair", "the weather is nice today")
        a = tokenize(tokdir, [{"text": rec["text"]}, {"text": pair}])
        ea = hidden(tiny, a[0]["input_ids"], a[0]["token_type_ids"])[0].mean(0)
        eb = hidden(tiny, a[1]["input_ids"], a[1]["token_type_ids"])[0].mean(0)
        cos = float(ea @ eb / (max(ea.norm(), 1e-12) * max(eb.norm(), 1e-12)))
        golden.append({"head": "similarity", "input": {"text": rec["text"], "text_pair": pair},
                       "output": {"similarity": cos}})

    # ---- token classification: BIO, BIOES, BIO + CRF -----------------------------------------
    ner_texts = ["John Smith lives in new york city and works for the united nations.",
                 "running quickly, the sprinters crossed paris at noon!",
                 "€uro café? no: it's a 100% ok thing",
                 "a", "Ⅷ interesting tokenization; unbelievable outcomes"]
    ner_texts = [t for t in ner_texts if all(ord(c) < 128 for c in t)] + ["tokyo 東京 is big"]
    ner_tok = tokenize(tokdir, [{"text": t} for t in ner_texts])
    for name, labels, crf in (("ner-bio", BIO, False), ("ner-bioes", BIOES, False), ("ner-crf", BIO, True)):
        n = len(labels)
        w, b = rnd(gen, n, H, scale=1.5), rnd(gen, n, scale=0.5)
        b[0] += 1.0  # some "O"
        tensors = {"classifier.weight": w, "classifier.bias": b}
        if crf:
            tensors.update({"crf.transitions": rnd(gen, n, n, scale=2.0),
                            "crf.start_transitions": rnd(gen, n), "crf.end_transitions": rnd(gen, n)})
        cfg = dict(base_cfg, architectures=["BertForTokenClassification"],
                   id2label={str(i): l for i, l in enumerate(labels)},
                   label2id={l: i for i, l in enumerate(labels)})
        save_head(name, cfg, tensors)
        for text, t in zip(ner_texts, ner_tok):
            h, _ = hidden(tiny, t["input_ids"], t["token_type_ids"])
            logits = (h @ f64(w).T + f64(b)).numpy()
            tags = None
            if crf:
                em = torch.tensor(logits)[:, None, :]
                tags = ref.viterbi_decode(em, torch.ones(len(logits), 1, dtype=torch.bool),
                                          f64(tensors["crf.start_transitions"]),
                                          f64(tensors["crf.end_transitions"]),
                                          f64(tensors["crf.transitions"]))[0]
            offs, _ = full_offsets(text, t["tokens"], True)
            rec = {"head": name, "input": {"text": text}, "input_ids": t["input_ids"],
                   "offsets": offs, "logits": logits.tolist(), "tags": tags, "output": {}}
            for strat in ("none", "simple", "first", "max", "average"):
                if crf and strat in ("max", "average"):
                    continue
                rec["output"][strat] = ref.ner_pipeline(text, t["tokens"], t["input_ids"], logits, offs,
                                                        specials_of(t["tokens"]), vocab.index("[UNK]"),
                                                        labels, strat, tags)
            golden.append(rec)
    chinese_ner(gen, golden, tmp)

    # ---- question answering -----------------------------------------------------------------
    w, b = rnd(gen, 2, H, scale=2.0), rnd(gen, 2, scale=0.5)
    save_head("qa", dict(base_cfg, architectures=["BertForQuestionAnswering"]),
              {"qa_outputs.weight": w, "qa_outputs.bias": b})
    context = ("the city of paris is the capital of france. it has many museums, and the river "
               "runs through the centre of the city. ") * 3 + \
              "in 1889 the tower was built for the world fair; it is made of iron and was painted often."
    qa_cases = [({"question": "what is the capital of france?", "context": context}, {}),
                ({"question": "when was the tower built?", "context": context},
                 {"top_k": 3, "max_seq_len": 48, "doc_stride": 16}),
                ({"question": "who?", "context": "john lives here, with his family."},
                 {"top_k": 2, "max_answer_len": 3}),
                ({"question": "where is the river?", "context": context}, {"top_k": 4})]
    for rec, opts in qa_cases:
        qa_reference(tiny, tokdir, vocab, rec, opts, w, b, golden)

    # ---- fill-mask ---------------------------------------------------------------------------
    mlm = {"cls.predictions.transform.dense.weight": rnd(gen, H, H, scale=0.3),
           "cls.predictions.transform.dense.bias": rnd(gen, H, scale=0.1),
           "cls.predictions.transform.LayerNorm.weight": 1 + rnd(gen, H, scale=0.1),
           "cls.predictions.transform.LayerNorm.bias": rnd(gen, H, scale=0.1),
           "cls.predictions.bias": rnd(gen, len(vocab), scale=0.5)}
    save_head("mlm", dict(base_cfg, architectures=["BertForMaskedLM"]), mlm)
    emb = tiny.embeddings.word_embeddings.weight.detach().double()
    mask_texts = [("the capital of france is [MASK].", 5), ("i [MASK] you, don't you [MASK]?", 3),
                  ("[MASK]", 1), ("he said , \" [MASK] ' s fine \" .", 7)]
    for text, k in mask_texts:
        t = tokenize(tokdir, [{"text": text}])[0]
        h, _ = hidden(tiny, t["input_ids"], t["token_type_ids"])
        ids = np.array(t["input_ids"])
        masked = np.nonzero(ids == vocab.index("[MASK]"))[0]
        x = h[masked] @ f64(mlm["cls.predictions.transform.dense.weight"]).T + f64(mlm["cls.predictions.transform.dense.bias"])
        x = torch.nn.functional.gelu(x)
        x = torch.nn.functional.layer_norm(x, (H,), f64(mlm["cls.predictions.transform.LayerNorm.weight"]),
                                           f64(mlm["cls.predictions.transform.LayerNorm.bias"]), eps=base_cfg["layer_norm_eps"])
        logits = x @ emb.T + f64(mlm["cls.predictions.bias"])
        probs = logits.softmax(dim=-1)
        values, predictions = probs.topk(k)
        single = len(masked) == 1
        result = []
        for i, (vals, preds) in enumerate(zip(values.tolist(), predictions.tolist())):
            row = []
            for v, p in zip(vals, preds):
                tokens = ids.copy()
                tokens[masked[i]] = p
                tokens = tokens[np.where(tokens != vocab.index("[PAD]"))]
                row.append({"score": v, "token": p, "token_str": ref.decode(vocab, [p], False),
                            "sequence": ref.decode(vocab, tokens.tolist(), single)})
            result.append(row)
        golden.append({"head": "mlm", "input": {"text": text}, "top_k": k, "input_ids": t["input_ids"],
                       "logits": logits.numpy().tolist(), "output": result[0] if single else result})

    crf_cases(golden)
    with open(os.path.join(OUT, "golden.jsonl"), "w", encoding="utf-8") as f:
        for g in golden:
            f.write(json.dumps(r9(g), ensure_ascii=False, separators=(",", ":")) + "\n")
    shutil.rmtree(tmp)
    print(f"[heads] {len(golden)} golden records -> {OUT}/golden.jsonl (torch {torch.__version__})")


def qa_reference(model, tokdir, vocab, rec, opts, w, b, golden):
    q, c = rec["question"], rec["context"]
    tq, tc = tokenize(tokdir, [{"text": q}, {"text": c}])
    q_ids, c_ids = tq["input_ids"][1:-1], tc["input_ids"][1:-1]
    q_toks, c_toks = tq["tokens"][1:-1], tc["tokens"][1:-1]
    c_offs, c_words = ref.align(c, c_toks, True)
    max_seq_len = opts.get("max_seq_len", min(128, 384))
    stride = opts.get("doc_stride", min(max_seq_len // 2, 128))
    top_k, max_answer_len = opts.get("top_k", 1), opts.get("max_answer_len", 15)
    answers, windows = [], []
    for a, z in ref.overflow_windows(q_ids, c_ids, max_seq_len, stride):
        ids = [vocab.index("[CLS]")] + q_ids + [vocab.index("[SEP]")] + c_ids[a:z] + [vocab.index("[SEP]")]
        types = [0] * (len(q_ids) + 2) + [1] * (z - a + 1)
        seq = [None] + [0] * len(q_ids) + [None] + [1] * (z - a) + [None]
        offs = [(0, 0)] * (len(q_ids) + 2) + c_offs[a:z] + [(0, 0)]
        words = [None] * (len(q_ids) + 2) + c_words[a:z] + [None]
        h, _ = hidden(model, ids, types)
        logits = (h @ f64(w).T + f64(b)).numpy()
        start, end = logits[:, 0], logits[:, 1]
        p_mask = np.array([[s != 1 for s in seq]]).astype(int)
        for ci in np.nonzero(np.array(ids) == vocab.index("[CLS]"))[0]:
            p_mask[0][ci] = 0
        starts, ends, scores = ref.select_starts_ends(start[None], end[None], p_mask,
                                                      np.ones((1, len(ids)), dtype=int), top_k, max_answer_len)
        for s, e, score in zip(starts, ends, scores):
            ws, we = words[s], words[e]
            si = min(offs[i][0] for i in range(len(ids)) if seq[i] == 1 and words[i] == ws)
            ei = max(offs[i][1] for i in range(len(ids)) if seq[i] == 1 and words[i] == we)
            answers.append({"score": float(score), "start": si, "end": ei, "answer": c[si:ei]})
        windows.append({"input_ids": ids, "start_logits": start.tolist(), "end_logits": end.tolist()})
    answers = sorted(answers, key=lambda x: x["score"], reverse=True)[:top_k]
    golden.append({"head": "qa", "input": rec, "options": opts, "windows": windows, "output": answers})


def crf_cases(golden):
    """pytorch-crf Viterbi on random emissions: small integers (many ties) and floats; lengths 1+."""
    rng = np.random.default_rng(99)
    for case in range(40):
        n_tags, length = int(rng.integers(1, 6)), int(rng.integers(1, 9))
        if case % 2 == 0:
            em, tr = rng.integers(-2, 3, (length, n_tags)), rng.integers(-2, 3, (n_tags, n_tags))
            st, en = rng.integers(-1, 2, n_tags), rng.integers(-1, 2, n_tags)
        else:
            em, tr = rng.normal(0, 2, (length, n_tags)), rng.normal(0, 2, (n_tags, n_tags))
            st, en = rng.normal(0, 1, n_tags), rng.normal(0, 1, n_tags)
        em, tr, st, en = (np.asarray(x, dtype=np.float32) for x in (em, tr, st, en))
        tags = ref.viterbi_decode(torch.tensor(em, dtype=torch.float64)[:, None, :],
                                  torch.ones(length, 1, dtype=torch.bool), torch.tensor(st, dtype=torch.float64),
                                  torch.tensor(en, dtype=torch.float64), torch.tensor(tr, dtype=torch.float64))[0]
        golden.append({"head": "crf", "emissions": em.tolist(), "transitions": tr.tolist(),
                       "start": st.tolist(), "end": en.tolist(), "tags": tags})


def chinese_ner(gen, golden, tmp):
    """A whole tiny model with a reduced bert-base-chinese vocabulary (committed as is)."""
    texts = ["李明住在北京市海淀区，在清华大学工作。", "我爱上海和Beijing!", "今天天气很好"]
    src = read_vocab(os.path.join(SHARED, "vocab", "bert-base-chinese", "vocab.txt"))
    keep = set("李明住在北京市海淀区，工作。我爱上海和今天气很好!")
    words = [w for w in src[1000:] if w in keep or w in ("be", "##ij", "##ing", "##i")]
    words = [w for w in words if w not in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(words), key=src.index)
    d = os.path.join(OUT, "chinese-ner")
    cfg = make_config(32, 1, 4, 64, len(vocab), max_pos=64)
    cfg["architectures"] = ["BertForTokenClassification"]
    cfg["id2label"] = {str(i): l for i, l in enumerate(BIO)}
    cfg["label2id"] = {l: i for i, l in enumerate(BIO)}
    model = build_model(cfg, seed=20240613)
    os.makedirs(d, exist_ok=True)
    w, b = rnd(gen, len(BIO), 32, scale=1.5), rnd(gen, len(BIO), scale=0.5)
    tensors = {"bert." + k: v.detach().float().numpy() for k, v in model.state_dict().items()
               if not k.startswith("pooler.")}
    tensors.update({"classifier.weight": w.numpy(), "classifier.bias": b.numpy()})
    bertlib.save_safetensors(os.path.join(d, "model.safetensors"), tensors)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": False, "model_max_length": 64, "tokenize_chinese_chars": True,
                   "strip_accents": None, "tokenizer_class": "BertTokenizer"}, f, indent=1)
        f.write("\n")
    tokdir = tokenizer_folder(tmp, vocab, os.path.join(SHARED, "vocab", "bert-base-chinese", "tokenizer.json"),
                              os.path.join(d, "tokenizer_config.json"))
    m64 = model.double().eval()
    for text, t in zip(texts, tokenize(tokdir, [{"text": x} for x in texts])):
        h, _ = hidden(m64, t["input_ids"], t["token_type_ids"])
        logits = (h @ f64(w).T + f64(b)).numpy()
        offs, _ = full_offsets(text, t["tokens"], False)
        rec = {"head": "chinese-ner", "input": {"text": text}, "input_ids": t["input_ids"],
               "offsets": offs, "logits": logits.tolist(), "tags": None, "output": {}}
        for strat in ("none", "simple", "first", "max", "average"):
            rec["output"][strat] = ref.ner_pipeline(text, t["tokens"], t["input_ids"], logits, offs,
                                                    specials_of(t["tokens"]), vocab.index("[UNK]"),
                                                    BIO, strat)
        golden.append(rec)


if __name__ == "__main__":
    main()
