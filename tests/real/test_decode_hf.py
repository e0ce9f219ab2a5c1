"""tests/real/test_decode_hf.py: lightbert.Tokenizer.decode against transformers' live decode (no
goldens in between), on the real all-MiniLM-L6-v2 tokenizer and the test tokenizers: every
sentence of the STS-B dev set's first 200 pairs encoded by Hugging Face and decoded both ways,
with specials skipped and kept and with the clean-up flag off, on, and the tokenizer's own."""
import csv
import os

import pytest

import lightbert

transformers = pytest.importorskip("transformers")

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
MINILM = os.path.expanduser("~/.cache/lightbert/models/all-MiniLM-L6-v2")
STSB = os.environ.get("LIGHTBERT_STSB_DEV", os.path.join(HERE, "..", "..", "..", "shared", "data",
                                                           "stsb", "sts-dev.csv"))
FOLDERS = [MINILM, os.path.join(DATA, "tokenizers", "roberta-tiny"),
           os.path.join(DATA, "tokenizers", "xlmr-tiny"),
           os.path.join(DATA, "tokenizers", "albert-tiny")]


def sentences(limit=200):
    if not os.path.exists(STSB):
        pytest.skip(f"no STS-B dev set at {STSB}")
    out = []
    with open(STSB, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 7:
                out += [row[5], row[6]]
            if len(out) >= 2 * limit:
                break
    return out


@pytest.mark.parametrize("folder", FOLDERS, ids=os.path.basename)
def test_decode_equals_transformers(folder):
    if not os.path.isdir(folder):
        pytest.skip(f"{folder} not fetched (tools/fetch_models.py)")
    ref = transformers.AutoTokenizer.from_pretrained(folder, use_fast=True, local_files_only=True)
    ours = lightbert.Tokenizer(folder)
    texts = sentences()
    assert len(texts) >= 100
    for i, text in enumerate(texts):
        ids = ref(text)["input_ids"]
        assert ours.encode(text)["input_ids"] == ids, text
        for skip in (False, True):
            clean = [None, False, True][i % 3]
            kw = {} if clean is None else {"clean_up_tokenization_spaces": clean}
            want = ref.decode(ids, skip_special_tokens=skip, **kw)
            got = ours.decode(ids, skip_special_tokens=skip, clean_up_tokenization_spaces=clean)
            assert got == want, (text, ids, skip, clean)
            assert ours.convert_ids_to_tokens(ids, skip_special_tokens=skip) == \
                ref.convert_ids_to_tokens(ids, skip_special_tokens=skip)
