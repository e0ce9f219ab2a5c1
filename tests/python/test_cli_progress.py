"""tests/python/test_cli_progress.py: the CLI's progress line (cli/progress.h) and `embed --npy`
(cli/npy_writer.h), through the built binary (LIGHTBERT_CLI_PATH, set by ctest):
- with stderr a pseudo-terminal, embed / hidden / ner / convert draw a progress line there
  (sequences/s, tokens/s, and percentage + ETA when stdin is a file; convert: its steps), and
  stdout is byte-for-byte what it is without the line;
- with stderr a pipe, or LIGHTBERT_PROGRESS=0 on a terminal, stderr stays empty;
- embed --npy writes a float32 [lines, dim] array equal to the JSON lines' vectors (the JSON
  floats round-trip float32 exactly), an empty input gives [0, dim], and an unwritable path is a
  one-line error naming it."""
import json
import os
import pty
import subprocess
import tempfile

import numpy as np
import pytest

DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
MODEL = os.path.join(DATA, "tiny-bert")
NER = os.path.join(DATA, "heads", "chinese-ner")
CLI = os.environ.get("LIGHTBERT_CLI_PATH")
pytestmark = pytest.mark.skipif(not CLI, reason="LIGHTBERT_CLI_PATH not set (ctest sets it)")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "in.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(400):
            f.write(json.dumps({"text": f"sentence {i}: " + "word " * (i % 17)}) + "\n")
    return str(path)


def run(args, stdin_path, tty, env_extra=None):
    """Runs the CLI with stdin from a file; stderr a pty (tty=True) or a pipe. -> (out, err, rc)"""
    env = dict(os.environ)
    env.pop("LIGHTBERT_PROGRESS", None)
    env.update(env_extra or {})
    with open(stdin_path, "rb") as fin, tempfile.TemporaryFile() as fout:
        if not tty:
            p = subprocess.run([CLI] + args, stdin=fin, stdout=fout, stderr=subprocess.PIPE,
                               env=env, timeout=300)
            fout.seek(0)
            return fout.read(), p.stderr.decode(), p.returncode
        master, slave = pty.openpty()
        try:  # stdout to a file, so that only the pty needs draining while the process runs
            p = subprocess.Popen([CLI] + args, stdin=fin, stdout=fout, stderr=slave, env=env)
            os.close(slave)
            slave = -1
            chunks = []
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:  # EIO: every writer closed the slave
                    break
                if not data:
                    break
                chunks.append(data)
            p.wait(timeout=300)
            fout.seek(0)
            return fout.read(), b"".join(chunks).decode(errors="replace"), p.returncode
        finally:
            os.close(master)
            if slave >= 0:
                os.close(slave)


@pytest.mark.parametrize("cmd,model,unit", [("embed", MODEL, "embed"), ("hidden", MODEL, "hidden"),
                                            ("ner", NER, "ner")])
def test_progress_line_only_on_a_terminal(inputs, cmd, model, unit):
    out_tty, err_tty, rc = run([cmd, "--model", model, "--truncate"] if cmd != "ner"
                               else [cmd, "--model", model], inputs, tty=True)
    assert rc == 0, err_tty
    last = err_tty.replace("\r\n", "\n").split("\r")[-1]
    assert last.startswith(f"{unit}: 400 seq,"), err_tty
    assert "seq/s" in last and "tok/s" in last and "100%" in last and "ETA 0:00" in last, last
    tok_rate = float(last.split(" seq/s, ")[1].split(" tok/s")[0])
    assert tok_rate > 0
    out_pipe, err_pipe, rc = run([cmd, "--model", model, "--truncate"] if cmd != "ner"
                                 else [cmd, "--model", model], inputs, tty=False)
    assert rc == 0 and err_pipe == ""
    assert out_tty == out_pipe and out_pipe.count(b"\n") == 400
    out_off, err_off, rc = run([cmd, "--model", model, "--truncate"] if cmd != "ner"
                               else [cmd, "--model", model], inputs, tty=True,
                               env_extra={"LIGHTBERT_PROGRESS": "0"})
    assert rc == 0 and err_off == "" and out_off == out_pipe


def test_convert_shows_its_steps_on_a_terminal(inputs, tmp_path):
    out, err, rc = run(["convert", MODEL, str(tmp_path / "m.lbt"), "--runs", "2"], inputs, tty=True)
    assert rc == 0, err
    steps = err.replace("\r\n", "\n").split("\r")
    assert any(s.startswith("convert: reading") for s in steps), err
    assert any(s.startswith("convert: packing fp32 weights") for s in steps), err
    assert any("run 2/2" in s for s in steps), err
    assert b"convert: " not in out
    _, err, rc = run(["convert", MODEL, str(tmp_path / "n.lbt"), "--runs", "1"], inputs, tty=False)
    assert rc == 0 and err == ""


def test_embed_npy_equals_json_lines(inputs, tmp_path):
    out, err, rc = run(["embed", "--model", MODEL, "--truncate"], inputs, tty=False)
    assert rc == 0, err
    want = np.array([json.loads(x)["embedding"] for x in out.decode().splitlines()],
                    dtype=np.float32)
    npy = tmp_path / "e.npy"
    out, err, rc = run(["embed", "--model", MODEL, "--truncate", "--batch-size", "7", "--npy",
                        str(npy)], inputs, tty=False)
    assert rc == 0 and out == b"" and err == ""
    got = np.load(npy)
    assert got.dtype == np.float32 and got.shape == want.shape == (400, want.shape[1])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)  # batch of 7 vs 32: rounding only
    out, err, rc = run(["embed", "--model", MODEL, "--truncate", "--npy", str(npy)], inputs,
                       tty=False)
    np.testing.assert_array_equal(np.load(npy), want)  # same batches: identical floats
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    run(["embed", "--model", MODEL, "--npy", str(npy)], str(empty), tty=False)
    assert np.load(npy).shape == (0, want.shape[1])
    bad = str(tmp_path / "no" / "such" / "dir" / "e.npy")
    _, err, rc = run(["embed", "--model", MODEL, "--npy", bad], inputs, tty=False)
    assert rc == 1 and bad in err and err.count("\n") == 1
