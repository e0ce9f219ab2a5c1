"""tests/python/test_tokenizer.py: lightbert.Tokenizer and Model.tokenizer against Hugging Face's
decode (the goldens of tools/make_decode_goldens.py, made with transformers' fast tokenizers),
its encode against the CLI goldens' ids, and its errors (lightbert.Error naming the position of
an id outside the vocabulary, TypeError for non-integers)."""
import gc
import json
import os

import numpy as np
import pytest

import lightbert

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
FOLDERS = {"tiny-bert": os.path.join(DATA, "tiny-bert"),
           "roberta-tiny": os.path.join(DATA, "tokenizers", "roberta-tiny"),
           "albert-tiny": os.path.join(DATA, "tokenizers", "albert-tiny"),
           "xlmr-tiny": os.path.join(DATA, "tokenizers", "xlmr-tiny")}


def goldens():
    with open(os.path.join(DATA, "tokenizers", "decode_goldens.jsonl"), encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def test_decode_matches_hugging_face():
    toks = {k: lightbert.Tokenizer(v) for k, v in FOLDERS.items()}
    n = 0
    for g in goldens():
        if g["tokenizer"] not in toks:
            continue
        tok = toks[g["tokenizer"]]
        kw = {"skip_special_tokens": g["skip_special_tokens"],
              "clean_up_tokenization_spaces": g["clean_up_tokenization_spaces"]}
        assert tok.decode(g["ids"], **kw) == g["text"], g
        assert tok.decode(np.array(g["ids"], dtype=np.int64), **kw) == g["text"]
        tokens = tok.convert_ids_to_tokens(g["ids"], skip_special_tokens=g["skip_special_tokens"])
        assert tokens == g["tokens"]
        assert tok.convert_tokens_to_string(tokens) == g["joined"]
        n += 1
    assert n >= 80
    rows = [g for g in goldens() if g["tokenizer"] == "roberta-tiny"][:5]
    assert toks["roberta-tiny"].batch_decode([g["ids"] for g in rows], skip_special_tokens=True) == [
        toks["roberta-tiny"].decode(g["ids"], skip_special_tokens=True) for g in rows]


def test_model_tokenizer_outlives_model_and_matches_encode():
    model = lightbert.Model(FOLDERS["tiny-bert"], threads=1)
    tok = model.tokenizer
    del model
    gc.collect()
    enc = tok.encode("Hello, world!")
    assert enc["tokens"][0] == "[CLS]" and enc["tokens"][-1] == "[SEP]"
    assert enc["input_ids"] == [tok.token_to_id(t) for t in enc["tokens"]]
    assert tok.decode(enc["input_ids"], skip_special_tokens=True) == "hello, world!"
    assert tok.convert_ids_to_tokens(enc["input_ids"][0]) == "[CLS]"
    assert tok.id_to_token(enc["input_ids"][0]) == "[CLS]"
    assert tok.token_to_id("no-such-token-here") is None
    assert tok.id_to_token(len(tok)) is None and len(tok) == tok.vocab_size


def test_errors_name_the_argument():
    tok = lightbert.Tokenizer(FOLDERS["tiny-bert"])
    with pytest.raises(lightbert.Error, match=r"ids\[1\] = 99999999"):
        tok.decode([1, 99999999])
    with pytest.raises(lightbert.Error, match=r"ids\[0\] = -1"):
        tok.decode([-1])
    with pytest.raises(TypeError, match=r"ids\[1\] must be an int"):
        tok.decode([1, 2.5])
    with pytest.raises(TypeError):
        tok.decode("hello")
    with pytest.raises(lightbert.Error):
        lightbert.Tokenizer(os.path.join(DATA, "no-such-folder"))
