"""tests/python/test_st_dense.py: lightbert.Model.encode on sentence-transformers folders with a
Dense module (tests/data/heads/st-dense*, joined with tests/data/tiny-bert) against the float64
PyTorch golden embeddings of tools/make_extra_head_models.py (Pooling -> Linear -> Tanh /
Identity -> normalize), within 1e-4; `dim` is the Dense module's out_features."""
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
