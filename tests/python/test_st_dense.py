"""tests/python/test_st_dense.py: the issue-6 additions to the Python module against the float64
PyTorch goldens of tools/make_extra_head_models.py: lightbert.Model.encode on sentence-transformers
folders with a Dense module (tests/data/heads/st-dense*, joined with tests/data/tiny-bert; Pooling
-> Linear -> Tanh / Identity -> normalize), within 1e-4, `dim` being the Dense module's
out_features; and Model.replaced_tokens on ELECTRA's discriminator."""
import json
import os
import shutil

import numpy as np
import pytest

import lightbert

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))


@pytest.mark.parametrize("name", ["st-dense", "st-dense-identity"])
def test_encode_with_dense_matches_reference(tmp_path, name):
    folder = tmp_path / name
    shutil.copytree(os.path.join(DATA, "heads", name), folder)
    for f in ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"):
        shutil.copy(os.path.join(DATA, "tiny-bert", f), folder)
    with open(folder / "golden.jsonl", encoding="utf-8") as f:
        gold = [json.loads(x) for x in f if x.strip()]
    model = lightbert.Model(str(folder), threads=1)
    want = np.array([g["embedding"] for g in gold])
    assert model.dim == want.shape[1]
    got = model.encode([g["text"] for g in gold], truncate=False)
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-4


def test_replaced_tokens_match_reference():
    """ELECTRA's discriminator (tests/data/families/electra-disc): sigmoid scores within 1e-4 of
    the float64 reference, tokens and offsets identical, special tokens left out."""
    folder = os.path.join(DATA, "families", "electra-disc")
    with open(os.path.join(folder, "golden.jsonl"), encoding="utf-8") as f:
        gold = [json.loads(x) for x in f if x.strip()]
    model = lightbert.Model(folder, threads=1)
    got = model.replaced_tokens([g["text"] for g in gold], truncate=False)
    assert len(got) == len(gold)
    for g, r in zip(gold, got):
        assert [t["token"] for t in r] == g["tokens"][1:-1]
        assert [[t["start"], t["end"]] for t in r] == g["offsets"][1:-1]
        assert max(abs(t["score"] - s) for t, s in zip(r, g["scores"][1:-1])) <= 1e-4
    single = model.replaced_tokens(gold[0]["text"])
    assert [t["index"] for t in single] == list(range(1, len(gold[0]["tokens"]) - 1))
