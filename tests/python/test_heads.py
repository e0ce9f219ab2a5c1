"""tests/python/test_heads.py: the task heads through the Python module (Model.classify, ner, qa,
fill_mask) against the golden outputs of the independent reference (tests/data/heads/golden.jsonl,
made by tools/make_head_models.py from PyTorch float64 and ports of Hugging Face's pipelines).
Head folders are assembled like tests/support/head_models.cpp does: tiny-bert's encoder under
the "bert." prefix plus the head's own tensors. fill_mask also runs on the RoBERTa, ALBERT and
DistilBERT fixtures of tools/make_mlm_family_models.py."""
import json
import os
import shutil
import struct

import pytest

import lightbert

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
TINY = os.path.join(DATA, "tiny-bert")
HEADS = os.path.join(DATA, "heads")
GOLDEN = [json.loads(x) for x in open(os.path.join(HEADS, "golden.jsonl"), encoding="utf-8") if x.strip()]


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]])
            for k, v in header.items() if k != "__metadata__"}


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def head_model(tmp_path, name):
    src = os.path.join(HEADS, name)
    if os.path.exists(os.path.join(src, "model.safetensors")):
        return src
    out = tmp_path / name
    out.mkdir()
    config = open(os.path.join(src, "config.json"), encoding="utf-8").read()
    (out / "config.json").write_text(config, encoding="utf-8")
    for f in ("vocab.txt", "tokenizer_config.json"):
        shutil.copy(os.path.join(TINY, f), out / f)
    pooler = "ForSequenceClassification" in config
    tensors = {"bert." + k: v for k, v in read_safetensors(os.path.join(TINY, "model.safetensors")).items()
               if pooler or not k.startswith("pooler.")}
    tensors.update(read_safetensors(os.path.join(src, "head.safetensors")))
    write_safetensors(str(out / "model.safetensors"), tensors)
    return str(out)


def cases(head):
    return [g for g in GOLDEN if g["head"] == head]


def close(a, b, path=""):
    """Same structure, strings equal, numbers within 1e-4."""
    if isinstance(b, dict):
        assert isinstance(a, dict) and set(a) == set(b), (path, a, b)
        for k in b:
            close(a[k], b[k], f"{path}.{k}")
    elif isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b), (path, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{path}[{i}]")
    elif isinstance(b, float):
        assert abs(a - b) <= 1e-4, (path, a, b)
    else:
        assert a == b, (path, a, b)


@pytest.mark.parametrize("head", ["cls-single", "cls-multi", "cls-cross"])
def test_classify(tmp_path, head):
    m = lightbert.Model(head_model(tmp_path, head))
    for g in cases(head):
        inp = g["input"]
        single = dict(inp) if "text_pair" in inp else inp["text"]
        listed = (inp["text"], inp["text_pair"]) if "text_pair" in inp else inp["text"]
        close(m.classify(single, top_k=len(g["output"])), g["output"])
        close(m.classify([listed])[0], g["output"][0])


@pytest.mark.parametrize("head", ["ner-bio", "ner-bioes", "ner-crf", "chinese-ner"])
def test_ner_every_aggregation(tmp_path, head):
    m = lightbert.Model(head_model(tmp_path, head))
    for g in cases(head):
        for agg, want in g["output"].items():
            close(m.ner(g["input"]["text"], aggregation=agg), want, f"{head}/{agg}")


def test_qa(tmp_path):
    m = lightbert.Model(head_model(tmp_path, "qa"))
    for g in cases("qa"):
        o = g["options"]
        got = m.qa(g["input"]["question"], g["input"]["context"], top_k=o.get("top_k", 1),
                   max_answer_len=o.get("max_answer_len", 15), doc_stride=o.get("doc_stride", -1),
                   max_seq_len=o.get("max_seq_len", -1))
        close(got if isinstance(got, list) else [got], g["output"])


def test_fill_mask(tmp_path):
    m = lightbert.Model(head_model(tmp_path, "mlm"))
    for g in cases("mlm"):
        close(m.fill_mask(g["input"]["text"], top_k=g["top_k"]), g["output"])


@pytest.mark.parametrize("family,tokenizer", [("roberta", "roberta-tiny"),
                                              ("albert", "albert-tiny"),
                                              ("distilbert", None)])
def test_fill_mask_families(tmp_path, family, tokenizer):
    """The *ForMaskedLM heads of other families (tests/data/families/<family>-mlm, golden outputs
    of tools/make_mlm_family_models.py) joined with the family's test tokenizer."""
    src = os.path.join(DATA, "families", family + "-mlm")
    for f in ("config.json", "model.safetensors"):
        shutil.copy(os.path.join(src, f), tmp_path)
    tok = os.path.join(DATA, "tokenizers", tokenizer) if tokenizer else None
    for f in (os.listdir(tok) if tok else ["vocab.txt", "tokenizer_config.json"]):
        shutil.copy(os.path.join(tok or TINY, f), tmp_path)
    m = lightbert.Model(str(tmp_path))
    for line in open(os.path.join(src, "golden.jsonl"), encoding="utf-8"):
        g = json.loads(line)
        want = g["output"][0] if len(g["output"]) == 1 else g["output"]
        close(m.fill_mask(g["text"], top_k=g["top_k"]), want)


def test_missing_head_is_an_error(tmp_path):
    m = lightbert.Model(TINY)
    with pytest.raises(lightbert.Error, match="BertModel"):
        m.classify("x")
    with pytest.raises(lightbert.Error):
        m.fill_mask("no mask here [MASK]")
    with pytest.raises(lightbert.Error, match="aggregation|none|simple"):
        lightbert.Model(head_model(tmp_path, "ner-bio")).ner("x", aggregation="median")
