"""tests/real/test_real_models.py: real trained checkpoints (tools/fetch_models.py) through the
`lightbert` Python module against Hugging Face's own code on every STS-B dev sentence:
- token ids (input_ids, token_type_ids, attention_mask) equal to HF `tokenizers` loading the
  model's tokenizer.json, truncated at the model's max_seq_length as sentence-transformers does,
  at 512, and at 16 (the longest STS-B dev sentence has 53 tokens, the mean is 16.4, so only this
  one truncates: about half the sentences);
- fp32 sentence embeddings within 1e-4 (max abs, per component) of sentence-transformers';
- the STS-B dev Spearman correlation (pair cosine vs gold score) equal to sentence-transformers'
  to 4 decimals, and that of a real model (> 0.8).
Registered in ctest (label real_models) only when CMake is told the models were fetched
(-DLIGHTBERT_REAL_MODELS=ON, as tools/test.sh does with LIGHTBERT_REAL_MODELS=1 and .ci/run after
tools/real_env.sh), so a missing model folder or STS-B file here is a failure, not a skip.
Environment: LIGHTBERT_MODEL_CACHE (model cache root), LIGHTBERT_STSB_DEV (sts-dev.csv), and
PYTHONPATH with the built module; runs under the venv's python (sentence-transformers)."""
import os
import sys

import numpy as np
import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402

import lightbert  # noqa: E402

MODELS = sorted(fetch_models.MODELS)
ROOT = fetch_models.cache_root(None)
THREADS = int(os.environ.get("LIGHTBERT_REAL_THREADS", "2"))


@pytest.fixture(scope="module")
def data():
    path = stsb.stsb_path()
    assert os.path.isfile(path), f"STS-B dev set not found at {path} (set LIGHTBERT_STSB_DEV)"
    gold, pairs = stsb.read_stsb(path)
    assert len(pairs) == 1500
    sentences, idx = stsb.unique_sentences(pairs)
    return gold, sentences, idx


def folder_of(name):
    assert fetch_models.verified(name, ROOT), \
        f"{ROOT / name}: not fetched or not verified; run tools/fetch_models.py"
    return str(ROOT / name)


_ref_cache = {}


def reference(name, sentences):
    """sentence-transformers' embeddings (fp32, its batching and max_seq_length), once per model."""
    if name not in _ref_cache:
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(THREADS)
        st = SentenceTransformer(folder_of(name), device="cpu")
        emb = st.encode(sentences, batch_size=32, convert_to_numpy=True, show_progress_bar=False)
        _ref_cache[name] = (emb.astype(np.float32), st.max_seq_length)
    return _ref_cache[name]


@pytest.mark.parametrize("name", MODELS)
def test_token_ids_match_hf_tokenizers(name, data):
    from tokenizers import Tokenizer
    _, sentences, _ = data
    folder = folder_of(name)
    model = lightbert.Model(folder, threads=THREADS)
    truncated = 0
    for max_length in (model.max_length, 512, 16):
        hf = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        hf.no_padding()
        hf.enable_truncation(max_length=max_length)
        want = hf.encode_batch(sentences)
        got = model.tokenize(sentences, max_length=max_length)
        assert len(got) == len(want)
        bad = [i for i, (g, w) in enumerate(zip(got, want))
               if g["input_ids"] != w.ids or g["token_type_ids"] != w.type_ids
               or g["attention_mask"] != w.attention_mask]
        assert not bad, (f"{name} max_length {max_length}: {len(bad)} sentences differ, first "
                         f"{sentences[bad[0]]!r}: lightbert {got[bad[0]]['input_ids']} vs HF "
                         f"{want[bad[0]].ids}")
        truncated += sum(len(w.overflowing) > 0 for w in want)
    assert truncated > len(sentences) // 4  # the max_length 16 pass does truncate


@pytest.mark.parametrize("name", MODELS)
def test_embeddings_and_spearman_match_sentence_transformers(name, data):
    gold, sentences, idx = data
    ref, st_max_len = reference(name, sentences)
    model = lightbert.Model(folder_of(name), threads=THREADS)
    assert model.max_length == st_max_len
    got = model.encode(sentences, batch_size=32)
    assert got.shape == ref.shape and got.dtype == np.float32
    diff = np.abs(got - ref)
    worst = int(np.argmax(diff.max(axis=1)))
    print(f"\n{name}: {len(sentences)} sentences, max abs diff {diff.max():.3e} "
          f"(sentence {worst}: {sentences[worst]!r}), mean abs {diff.mean():.3e}")
    assert diff.max() <= 1e-4
    sp_st = stsb.stsb_spearman(ref, idx, gold)
    sp_lb = stsb.stsb_spearman(got, idx, gold)
    print(f"{name}: STS-B dev Spearman sentence-transformers {sp_st:.6f} lightbert {sp_lb:.6f}")
    assert sp_st > 0.8
    assert round(sp_lb, 4) == round(sp_st, 4)
