"""tests/python/test_convert.py: lightbert.convert, the Python face of lightbert::convert.
A model pruned or cut from Python gives, through the CLI's `hidden`, the PyTorch golden of the
same transforms (tests/data/prune/golden.json, Hugging Face prune_heads semantics); the report
equals what `lightbert convert --json` prints for the same options (timings aside); in-memory
calibration texts and pairs are used; keep_float keeps the named Linears fp32 in an int8 file;
bad arguments raise TypeError / ValueError / lightbert.Error naming the problem, and nothing is
written."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import lightbert

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
TINY = os.path.join(DATA, "tiny-bert")
CLI = os.environ.get("LIGHTBERT_CLI_PATH", "lightbert")
GOLDEN = json.load(open(os.path.join(DATA, "prune", "golden.json"), encoding="utf-8"))["tiny"]


def id_lines():
    b = GOLDEN["batch"]
    lines, off = [], 0
    for n in b["lengths"]:
        lines.append(json.dumps({"input_ids": b["input_ids"][off:off + n],
                                 "token_type_ids": b["token_type_ids"][off:off + n]}))
        off += n
    return "\n".join(lines) + "\n"


def hidden_max_diff(lbt, case):
    want = next(c for c in GOLDEN["cases"] if c["name"] == case)
    out = subprocess.run([CLI, "hidden", "--model", str(lbt)], input=id_lines(), text=True,
                         capture_output=True, check=True).stdout
    rows, pooled = [], []
    for line in out.splitlines():
        j = json.loads(line)
        rows += [x for row in j["last_hidden_state"] for x in row]
        pooled += j["pooler_output"]
    assert len(rows) == len(want["last_hidden_state"])
    return max(np.abs(np.array(rows) - want["last_hidden_state"]).max(),
               np.abs(np.array(pooled) - want["pooler_output"]).max())


def test_pruned_heads_as_dict_match_hugging_face(tmp_path):
    out = tmp_path / "pruned.lbt"
    rep = lightbert.convert(TINY, out, prune_heads={0: [1, 3], 1: [2]}, runs=1)
    assert rep["pruned_heads"] == {"0": [1, 3], "1": [2]} and rep["heads"] == 5
    assert rep["output"] == str(out) and rep["size_bytes"]["after"] == out.stat().st_size
    assert hidden_max_diff(out, "prune") <= 1e-4


def test_kept_layers_match_the_reference(tmp_path):
    out = tmp_path / "cut.lbt"
    rep = lightbert.convert(TINY, str(out), keep_layers=[1], runs=1)
    assert rep["layers"] == 1
    assert hidden_max_diff(out, "keep") <= 1e-4


def test_report_equals_the_cli_report(tmp_path):
    a, b = tmp_path / "py.lbt", tmp_path / "cli.lbt"
    rep = lightbert.convert(TINY, a, dtype="int8", prune_heads="0:1", runs=1, threads=1)
    cli = json.loads(subprocess.run(
        [CLI, "convert", TINY, str(b), "--dtype", "int8", "--prune-heads", "0:1", "--runs", "1",
         "--threads", "1", "--json"], text=True, capture_output=True, check=True).stdout)
    for r in (rep, cli):
        del r["forward_ms"], r["speedup"], r["output"]
    assert rep == cli
    assert rep["dtype"] == "int8" and rep["heads"] == 7 and rep["cosine"]["mean"] < 1.0
    assert a.read_bytes() == b.read_bytes()


def test_in_memory_calibration_texts_and_pairs(tmp_path):
    texts = ["the quick brown fox", ("a question?", "a context."), "hello world"]
    rep = lightbert.convert(TINY, tmp_path / "c.lbt", calibration=texts, runs=1)
    assert rep["calibration"]["texts"] == 3
    plain = lightbert.convert(TINY, tmp_path / "d.lbt", runs=1)
    assert plain["calibration"]["texts"] == 50
    assert rep["calibration"]["tokens"] < plain["calibration"]["tokens"]
    path = tmp_path / "calib.txt"
    path.write_text("one text\nanother text\n", encoding="utf-8")
    rep = lightbert.convert(TINY, tmp_path / "e.lbt", calibration=pathlib.Path(path), runs=1,
                            prune_heads_ratio=0.25)
    assert rep["calibration"]["texts"] == 2 and rep["heads"] == 6


def test_keep_float_stores_the_named_linears_fp32(tmp_path):
    out = tmp_path / "mixed.lbt"
    rep = lightbert.convert(TINY, out, dtype="int8", runs=1, threads=1,
                            keep_float=["encoder.layer.*.output.dense"])
    assert rep["dtype"] == "int8"
    assert rep["kept_float"] == ["encoder.layer.0.output.dense", "encoder.layer.1.output.dense"]
    assert 0.0 < rep["max_abs_diff"]
    assert lightbert.Model(str(out)).encode(["hello world"]).shape == (1, 32)
    # Every Linear and the word table kept float: the fp32 model's hidden states exactly.
    every = ("embeddings.word_embeddings", "encoder.layer.*.attention.self.query",
             "encoder.layer.*.attention.output.dense", "encoder.layer.*.intermediate.dense",
             "encoder.layer.*.output.dense", "pooler.dense")
    rep = lightbert.convert(TINY, out, dtype="int8", runs=1, threads=1, keep_float=every)
    assert rep["max_abs_diff"] == 0.0 and len(rep["kept_float"]) == 14


@pytest.mark.parametrize("kwargs, error, needle", [
    (dict(prune_heads="0:1", prune_heads_ratio=0.5), lightbert.Error, "not both"),
    (dict(prune_heads_ratio=1.5), lightbert.Error, "[0, 1)"),
    (dict(dtype="fp64"), lightbert.Error, "dtype"),
    (dict(keep_layers=[1, 0]), lightbert.Error, "increasing"),
    (dict(keep_layers=[]), ValueError, "keep_layers"),
    (dict(prune_heads=[1, 2]), TypeError, "prune_heads"),
    (dict(prune_heads={0: "x"}), TypeError, "layer 0"),
    (dict(calibration=42), TypeError, "calibration"),
    (dict(calibration=["a", 3]), TypeError, "calibration"),
    (dict(calibration=[]), ValueError, "calibration"),
    (dict(threads=-1), ValueError, "threads"),
    (dict(runs=0), lightbert.Error, "runs"),
    (dict(calibration="/nonexistent/calib.txt"), lightbert.Error, "calib.txt"),
    (dict(dtype="int8", keep_float="encoder.layer.0.output.dense"), TypeError, "keep_float"),
    (dict(dtype="int8", keep_float=[3]), TypeError, "keep_float"),
    (dict(dtype="int8", keep_float=["encoder.layer.7.output.dense"]), lightbert.Error,
     "names no Linear"),
    (dict(dtype="int8", keep_float=["encoder.layer.0.output.LayerNorm"]), lightbert.Error,
     "not a Linear"),
    (dict(keep_float=["encoder.layer.0.output.dense"]), lightbert.Error, "bf16 or int8"),
])
def test_bad_arguments_raise_and_write_nothing(tmp_path, kwargs, error, needle):
    out = tmp_path / "x.lbt"
    with pytest.raises(error) as e:
        lightbert.convert(TINY, out, **kwargs)
    assert needle in str(e.value)
    assert not out.exists()


def test_a_model_file_is_not_a_folder_to_convert(tmp_path):
    out = tmp_path / "x.lbt"
    lightbert.convert(TINY, out, runs=1)
    with pytest.raises(lightbert.Error, match="not a .lbt"):
        lightbert.convert(str(out), tmp_path / "y.lbt")
