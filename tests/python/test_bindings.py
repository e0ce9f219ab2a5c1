"""tests/python/test_bindings.py: the `lightbert` Python module against the independent golden
outputs (PyTorch float64 embeddings, Hugging Face ids; tools/make_cli_golden.py), its errors
(lightbert.Error with the engine's message, TypeError for wrong types), and that the GIL is
released while computing (another Python thread keeps running)."""
import json
import os
import threading
import time

import numpy as np
import pytest

import lightbert

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
MODEL = os.path.join(DATA, "tiny-bert")


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


INPUTS = load_jsonl(os.path.join(MODEL, "golden", "cli_inputs.jsonl"))
EXPECTED = load_jsonl(os.path.join(MODEL, "golden", "cli_expected.jsonl"))
TEXTS = [(x["text"], x["text_pair"]) if "text_pair" in x else x["text"] for x in INPUTS]


@pytest.fixture(scope="module")
def model():
    return lightbert.Model(MODEL, threads=2)


def test_encode_matches_reference(model):
    for pooling in ("mean", "cls", "max"):
        for normalize in (False, True):
            got = model.encode(TEXTS, batch_size=3, pooling=pooling, normalize=normalize)
            assert got.dtype == np.float32 and got.shape == (len(TEXTS), model.dim)
            key = f"embed_{pooling}" + ("_normalized" if normalize else "")
            want = np.array([e[key] for e in EXPECTED])
            assert np.abs(got - want).max() <= 1e-4, key


def test_encode_single_string_is_one_vector(model):
    v = model.encode("Hello, world!")
    assert v.shape == (model.dim,)
    np.testing.assert_allclose(v, EXPECTED[0]["embed_mean"], atol=1e-4)


def test_tokenize_matches_reference(model):
    got = model.tokenize(TEXTS)
    for g, e in zip(got, EXPECTED):
        assert g["input_ids"] == e["truncated"]["input_ids"]
        assert g["token_type_ids"] == e["truncated"]["token_type_ids"]
        assert len(g["offsets"]) == len(g["tokens"]) == len(g["input_ids"])
    assert model.tokenize("Hello")["tokens"][0] == "[CLS]"


def test_errors_carry_the_engine_message(model):
    with pytest.raises(lightbert.Error, match="/nonexistent"):
        lightbert.Model("/nonexistent/model")
    with pytest.raises(lightbert.Error, match="input 0"):
        model.encode([TEXTS[8]], truncate=False)
    with pytest.raises(lightbert.Error, match="pooling"):
        model.encode("x", pooling="median")
    with pytest.raises(lightbert.Error):
        model.encode("x", batch_size=0)
    with pytest.raises(TypeError):
        model.encode(42)
    with pytest.raises(TypeError):
        model.encode(["ok", 3])
    with pytest.raises(lightbert.Error, match="dtype"):
        lightbert.Model(MODEL, dtype="fp8")
    assert issubclass(lightbert.Error, RuntimeError)


def test_gil_is_released_while_encoding(model):
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < 0.5:
            model.encode(TEXTS * 8, truncate=True)
            n += 1
    finally:
        stop.set()
        t.join()
    # With the GIL held through each encode call, the ticker could only run between calls.
    during = [x for x in ticks if start <= x <= start + 0.5]
    assert n >= 1 and len(during) > 3 * n, (n, len(during))


def test_version():
    assert lightbert.__version__
    assert "isa:" in lightbert.version()


def test_model_file_lbt_loads_like_the_folder(tmp_path, model):
    """lightbert.Model takes a .lbt model file (lightbert convert): same tokens, same vectors."""
    import subprocess
    cli = os.environ.get("LIGHTBERT_CLI_PATH")
    if not cli:
        pytest.skip("LIGHTBERT_CLI_PATH not set (ctest sets it)")
    lbt = str(tmp_path / "tiny.lbt")
    subprocess.run([cli, "convert", MODEL, lbt], check=True, capture_output=True)
    m = lightbert.Model(lbt, threads=2)
    assert m.dim == model.dim
    assert m.tokenize(TEXTS) == model.tokenize(TEXTS)
    got = m.encode(TEXTS, batch_size=3)
    np.testing.assert_array_equal(got, model.encode(TEXTS, batch_size=3))
    want = np.array([e["embed_mean"] for e in EXPECTED])
    assert np.abs(got - want).max() <= 1e-4
    lbt8 = str(tmp_path / "tiny-int8.lbt")
    subprocess.run([cli, "convert", MODEL, lbt8, "--dtype", "int8"], check=True, capture_output=True)
    v8 = lightbert.Model(lbt8).encode(TEXTS, normalize=True)
    v32 = model.encode(TEXTS, normalize=True)
    cos = (v8 * v32).sum(axis=1)
    assert cos.min() > 0.99 and np.abs(v8 - v32).max() > 0  # int8, and close to fp32
    with pytest.raises(Exception, match="tiny.lbt"):
        with open(lbt, "r+b") as f:
            f.truncate(100)
        lightbert.Model(lbt)
