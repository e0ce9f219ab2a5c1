"""tests/python/test_package.py: the `lightbert` package layer (python/lightbert/__init__.py) on the
tiny model: its sentence-transformers-style Model.encode gives the compiled encode's vectors in
input order whatever the batching, one [dim] row for a str, the conversions and precisions
sentence-transformers has (quantize_embeddings' formulas), a progress bar only on request;
similarity / similarity_pairwise against explicit loops; bad arguments raise; and the type stub
python/lightbert/_lightbert.pyi names exactly the compiled module's methods and parameters.
(The comparison with sentence-transformers itself on a real model is tests/real/test_st_dropin.py.)"""
import ast
import os
import re

import numpy as np
import pytest

import lightbert
from lightbert import _lightbert

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
MODEL = os.path.join(DATA, "tiny-bert")
SENTS = ["a", "Hello, world!", "A much longer sentence with many more words in it than the others.",
         "short one", "Another sentence of medium length.", "x y z"]


@pytest.fixture(scope="module")
def model():
    return lightbert.Model(MODEL, threads=2)


@pytest.fixture(scope="module")
def core():
    return _lightbert.Model(MODEL, threads=2)


def test_package_reexports_the_compiled_module(model):
    assert isinstance(model, _lightbert.Model)
    assert lightbert.Error is _lightbert.Error and lightbert.__version__ == _lightbert.__version__
    for name in dir(_lightbert):
        if not name.startswith("_") and name != "Model":
            assert getattr(lightbert, name) is getattr(_lightbert, name), name


@pytest.mark.parametrize("batch_size", [1, 2, 4, 32])
def test_encode_matches_core_in_input_order(model, core, batch_size):
    want = np.stack([core.encode(s) for s in SENTS])
    got = model.encode(SENTS, batch_size=batch_size)
    assert got.dtype == np.float32 and got.shape == (len(SENTS), model.dim)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_single_string_gives_one_row(model, core):
    v = model.encode("Hello, world!")
    assert v.shape == (model.dim,) and v.dtype == np.float32
    np.testing.assert_allclose(v, core.encode("Hello, world!"), atol=1e-5)
    assert model.encode(["Hello, world!"]).shape == (1, model.dim)
    assert model.encode({"text": "a", "text_pair": "b"}).shape == (model.dim,)
    assert model.encode([]).shape == (0, model.dim)


def test_normalize_and_conversions(model, core):
    raw = model.encode(SENTS)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)  # tiny-bert has no Normalize module
    unit = model.encode(SENTS, normalize_embeddings=True)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(unit, core.encode(SENTS, normalize=True), atol=1e-5)
    np.testing.assert_allclose(model.encode(SENTS, pooling="cls"), core.encode(SENTS, pooling="cls"),
                               atol=1e-5)
    rows = model.encode(SENTS, convert_to_numpy=False)
    assert isinstance(rows, list) and len(rows) == len(SENTS)
    np.testing.assert_allclose(np.stack(rows), raw, atol=0)
    np.testing.assert_allclose(model.encode(["x"], prompt="query: "), core.encode(["query: x"]),
                               atol=1e-5)


def test_precisions_follow_sentence_transformers_formulas(model):
    e = model.encode(SENTS)
    ranges = np.vstack((e.min(0), e.max(0)))
    steps = (ranges[1] - ranges[0]) / 255
    i8 = model.encode(SENTS, precision="int8")
    assert i8.dtype == np.int8
    np.testing.assert_array_equal(i8, ((e - ranges[0]) / steps - 128).astype(np.int8))
    u8 = model.encode(SENTS, precision="uint8")
    np.testing.assert_array_equal(u8, ((e - ranges[0]) / steps).astype(np.uint8))
    ub = model.encode(SENTS, precision="ubinary")
    assert ub.shape == (len(SENTS), (model.dim + 7) // 8) and ub.dtype == np.uint8
    bits = np.unpackbits(ub, axis=1)[:, :model.dim]
    np.testing.assert_array_equal(bits, (e > 0).astype(np.uint8))
    b = model.encode(SENTS, precision="binary")
    np.testing.assert_array_equal(b.astype(np.int16) + 128, ub)
    with pytest.raises(ValueError, match="precision"):
        model.encode(SENTS, precision="int4")


def test_progress_bar_only_on_request(model, capfd):
    model.encode(SENTS, batch_size=2)
    assert capfd.readouterr().err == ""
    model.encode(SENTS, batch_size=2, show_progress_bar=True)
    err = capfd.readouterr().err
    assert "Batches" in err and "3/3" in err


def test_similarity_functions(model):
    a = model.encode(SENTS[:4])
    b = model.encode(SENTS[2:])
    def loop(f):
        return np.array([[f(x, y) for y in b] for x in a])
    cos = loop(lambda x, y: float(x @ y) / (np.linalg.norm(x) * np.linalg.norm(y)))
    assert model.similarity_fn_name == "cosine"
    s = model.similarity(a, b)
    assert s.shape == (4, 4) and s.dtype == np.float32
    np.testing.assert_allclose(s, cos, atol=1e-5)
    np.testing.assert_allclose(model.similarity(a[0], b), cos[:1], atol=1e-5)
    np.testing.assert_allclose(model.similarity_pairwise(a, b), np.diag(cos), atol=1e-5)
    m = lightbert.Model(MODEL, threads=1, similarity_fn_name="dot")
    np.testing.assert_allclose(m.similarity(a, b), loop(lambda x, y: float(x @ y)), rtol=1e-5)
    m.similarity_fn_name = "euclidean"
    np.testing.assert_allclose(m.similarity(a, b), loop(lambda x, y: -np.linalg.norm(x - y)),
                               rtol=1e-5)
    m.similarity_fn_name = "manhattan"
    np.testing.assert_allclose(m.similarity(a, b), loop(lambda x, y: -np.abs(x - y).sum()),
                               rtol=1e-5)
    np.testing.assert_allclose(m.similarity_pairwise(a, b),
                               [-np.abs(x - y).sum() for x, y in zip(a, b)], rtol=1e-5)
    with pytest.raises(ValueError, match="similarity_fn_name"):
        m.similarity_fn_name = "jaccard"
    with pytest.raises(ValueError, match="sizes"):
        m.similarity(a, b[:, :3])


def test_bad_arguments_raise(model):
    with pytest.raises(ValueError, match="CPU"):
        model.encode("x", device="cuda")
    with pytest.raises(ValueError, match="CPU"):
        lightbert.Model(MODEL, device="cuda:0")
    with pytest.raises(ValueError, match="output_value"):
        model.encode("x", output_value="token_embeddings")
    with pytest.raises(lightbert.Error, match="batch_size"):
        model.encode(SENTS, batch_size=0)
    with pytest.raises(TypeError):
        model.encode(42)
    with pytest.raises(TypeError):
        model.encode(["ok", 3])
    with pytest.raises(ValueError, match="prompt name"):
        model.encode("x", prompt_name="query")
    with pytest.raises(lightbert.Error, match="dtype"):
        lightbert.Model(MODEL, dtype="fp8")


def test_st_attributes_and_dtype_aliases(model):
    assert model.get_sentence_embedding_dimension() == model.dim
    assert model.max_seq_length == model.max_length and model.device == "cpu"
    m = lightbert.Model(path=MODEL, threads=1, dtype="float32")
    np.testing.assert_allclose(m.encode(SENTS), model.encode(SENTS), atol=1e-5)


def _doc_params(doc_line):
    """Parameter names of a pybind11 signature line 'name(self: T, a: T = d, ...) -> R'."""
    inner = doc_line[doc_line.index("(") + 1: doc_line.rindex(") ->")]
    return [p.split(":")[0].strip() for p in re.split(r",\s*(?![^\[\]]*\])", inner) if p.strip()]


def test_type_stub_matches_the_compiled_module():
    stub = os.path.join(os.path.dirname(lightbert.__file__), "_lightbert.pyi")
    tree = ast.parse(open(stub, encoding="utf-8").read())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Model")
    stub_methods = {f.name: [a.arg for a in f.args.args] for f in cls.body
                    if isinstance(f, ast.FunctionDef)}
    public = {n for n in dir(_lightbert.Model) if not n.startswith("_")}
    assert public == {n for n in stub_methods if not n.startswith("_")}
    for name, args in stub_methods.items():
        attr = getattr(_lightbert.Model, name)
        if isinstance(attr, property):
            continue
        sig = attr.__doc__.strip().splitlines()[0]
        assert _doc_params(sig) == args, (name, sig, args)
    top = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    assert top == {n for n in dir(_lightbert) if not n.startswith("_")
                   and callable(getattr(_lightbert, n))}


def test_errors_name_the_callers_position_despite_length_sorting(model):
    # encode() sorts by length before batching: an error must still name the caller's index.
    texts = ["short", "a much longer sentence than the others in this list", ("a", 3)]
    with pytest.raises(TypeError, match=r"texts\[2\]\[1\] must be a str"):
        model.encode(texts, batch_size=2)
    with pytest.raises(TypeError, match=r"^texts\['text'\] must be a str"):
        model.encode({"text": 5})
