"""tests/real/test_st_dropin.py: the lightbert package's Model as a drop-in for
sentence-transformers' SentenceTransformer on the real all-MiniLM-L6-v2 (tools/fetch_models.py):
the same encode calls (every unique STS-B dev sentence, batch_size 32 and 7, with and without
normalize_embeddings, a single string, convert_to_tensor, convert_to_numpy=False, the quantized
precisions) give the same types and shapes and arrays within 1e-5 (max abs) of
sentence-transformers' (torch fp32); similarity equals sentence_transformers.util.cos_sim /
dot_score on them; show_progress_bar draws a bar only when asked.
Registered with the other real-model tests (ctest label real_models); runs under the venv's python."""
import os
import sys

import numpy as np
import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402

import lightbert  # noqa: E402

NAME = "all-MiniLM-L6-v2"
THREADS = int(os.environ.get("LIGHTBERT_REAL_THREADS", "2"))
TOL = 1e-5


@pytest.fixture(scope="module")
def sentences():
    _, pairs = stsb.read_stsb(stsb.stsb_path())
    sents, _ = stsb.unique_sentences(pairs)
    assert len(sents) > 2500
    return sents


@pytest.fixture(scope="module")
def both():
    import torch
    from sentence_transformers import SentenceTransformer
    root = fetch_models.cache_root(None)
    assert fetch_models.verified(NAME, root), f"{root / NAME}: run tools/fetch_models.py"
    torch.set_num_threads(THREADS)
    folder = str(root / NAME)
    return SentenceTransformer(folder, device="cpu"), lightbert.Model(folder, threads=THREADS)


@pytest.mark.parametrize("batch_size,normalize", [(32, False), (32, True), (7, False)])
def test_encode_lists_match(both, sentences, batch_size, normalize):
    st, lb = both
    want = st.encode(sentences, batch_size=batch_size, show_progress_bar=False,
                     normalize_embeddings=normalize, convert_to_numpy=True)
    got = lb.encode(sentences, batch_size=batch_size, show_progress_bar=False,
                    normalize_embeddings=normalize, convert_to_numpy=True)
    assert type(got) is type(want) and got.dtype == want.dtype == np.float32
    assert got.shape == want.shape == (len(sentences), 384)
    assert np.abs(got - want).max() <= TOL


def test_single_string_and_conversions_match(both, sentences):
    import torch
    st, lb = both
    s = sentences[5]
    want, got = st.encode(s), lb.encode(s)
    assert got.shape == want.shape == (384,) and got.dtype == want.dtype
    assert np.abs(got - want).max() <= TOL
    few = sentences[:40]
    t_want = st.encode(few, convert_to_tensor=True)
    t_got = lb.encode(few, convert_to_tensor=True)
    assert isinstance(t_got, torch.Tensor) and t_got.shape == t_want.shape
    assert t_got.dtype == t_want.dtype == torch.float32
    assert (t_got - t_want).abs().max().item() <= TOL
    rows_want = st.encode(few, convert_to_numpy=False)
    rows_got = lb.encode(few, convert_to_numpy=False)
    assert isinstance(rows_got, list) and len(rows_got) == len(rows_want)
    assert np.abs(np.stack(rows_got) - torch.stack(rows_want).numpy()).max() <= TOL
    assert lb.get_sentence_embedding_dimension() == st.get_sentence_embedding_dimension()
    assert lb.max_seq_length == st.max_seq_length


def test_quantized_precisions_match(both, sentences):
    from sentence_transformers.quantization import quantize_embeddings
    st, lb = both
    few = sentences[:300]
    ref = lb.encode(few)
    for precision in ("int8", "uint8", "binary", "ubinary"):
        got = lb.encode(few, precision=precision)
        want = quantize_embeddings(ref, precision=precision)  # their formula on the same floats
        assert got.dtype == want.dtype and got.shape == want.shape, precision
        np.testing.assert_array_equal(got, want, err_msg=precision)
        st_q = st.encode(few, precision=precision)  # and close to what ST itself returns
        assert st_q.dtype == got.dtype and st_q.shape == got.shape
        diff = np.abs(st_q.astype(np.int32) - got.astype(np.int32))
        assert diff.max() <= (1 if precision.endswith("int8") else 255), precision
        assert (diff != 0).mean() < 0.01, precision


def test_similarity_matches_util(both, sentences):
    from sentence_transformers import util
    st, lb = both
    a = lb.encode(sentences[:50])
    b = lb.encode(sentences[50:80])
    np.testing.assert_allclose(lb.similarity(a, b), util.cos_sim(a, b).numpy(), atol=1e-6)
    np.testing.assert_allclose(lb.similarity(a[3], b), util.cos_sim(a[3], b).numpy(), atol=1e-6)
    lb_dot = lightbert.Model(lb.path, threads=THREADS, similarity_fn_name="dot")
    np.testing.assert_allclose(lb_dot.similarity(a, b), util.dot_score(a, b).numpy(), atol=1e-6)
    np.testing.assert_allclose(lb.similarity_pairwise(a[:30], b),
                               util.pairwise_cos_sim(a[:30], b).numpy(), atol=1e-6)


def test_progress_bar_only_when_asked(both, sentences, capfd):
    _, lb = both
    lb.encode(sentences[:64], batch_size=16, show_progress_bar=False)
    assert "Batches" not in capfd.readouterr().err
    lb.encode(sentences[:64], batch_size=16, show_progress_bar=True)
    err = capfd.readouterr().err
    assert "Batches" in err and "4/4" in err
