#!/usr/bin/env python3
"""tools/accuracy_stsb.py: measures what lightbert's compression costs on a real task, the STS-B
dev Spearman correlation, and writes the table in docs/accuracy.md (the part between its
`<!-- stsb:begin -->` and `<!-- stsb:end -->` markers; the rest of the file is kept).

Contract: for every real model in the cache (tools/fetch_models.py) it embeds the 2,910 distinct
STS-B dev sentences with sentence-transformers (the reference), with lightbert fp32 (the folder as
downloaded) and with lightbert int8 and bf16 (`lightbert convert FOLDER OUT.lbt --dtype D`, then
the .lbt loaded by the Python module), and reports per row the Spearman correlation (pair cosine
vs gold, tools/stsb.py), its ratio to lightbert fp32's, and the embeddings' max abs difference and
mean cosine against lightbert fp32. Needs the build (build/lightbert and build/python, Release,
-DLIGHTBERT_PYTHON=ON) and tools/real_env.sh's venv: run with any python, it re-executes itself
under the venv's. Usage:
  python3 tools/accuracy_stsb.py [--build build] [--out docs/accuracy.md] [--threads 2]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_PY = Path(os.environ.get("LIGHTBERT_VENV", Path.home() / ".cache/lightbert/venv")) / "bin/python"

try:
    import scipy  # noqa: F401
    import sentence_transformers  # noqa: F401
except ImportError:
    if VENV_PY.exists() and Path(sys.executable) != VENV_PY:
        os.execv(str(VENV_PY), [str(VENV_PY)] + sys.argv)
    sys.exit(f"accuracy_stsb: needs sentence-transformers and scipy; run tools/real_env.sh first")

import numpy as np  # noqa: E402

sys.path.insert(0, str(REPO / "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402

BEGIN, END = "<!-- stsb:begin -->", "<!-- stsb:end -->"

# int8 must keep >= 99% of the fp32 score, bf16 >= 99.9% (issue 12's targets)
TARGET = {"int8": 0.99, "bf16": 0.999}


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--out", default=str(REPO / "docs" / "accuracy.md"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.build, "python"))
    import lightbert
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(a.threads)
    cli = os.path.join(a.build, "lightbert")

    gold, pairs = stsb.read_stsb(stsb.stsb_path())
    sentences, idx = stsb.unique_sentences(pairs)
    root = fetch_models.cache_root(None)
    rows = []
    for name in sorted(fetch_models.MODELS):
        if not fetch_models.verified(name, root):
            sys.exit(f"accuracy_stsb: {name} is not in {root}; run tools/fetch_models.py")
        folder = str(root / name)
        print(f"[accuracy] {name}: sentence-transformers", file=sys.stderr, flush=True)
        st = SentenceTransformer(folder, device="cpu")
        ref = st.encode(sentences, batch_size=32, convert_to_numpy=True, show_progress_bar=False)
        rows.append((name, "sentence-transformers 2.7.0 (fp32, reference)",
                     stsb.stsb_spearman(ref, idx, gold), None, None))
        print(f"[accuracy] {name}: lightbert fp32", file=sys.stderr, flush=True)
        base = lightbert.Model(folder, threads=a.threads).encode(sentences, batch_size=32)
        sp_base = stsb.stsb_spearman(base, idx, gold)
        rows.append((name, "lightbert fp32", sp_base, float(np.abs(base - ref).max()), None))
        with tempfile.TemporaryDirectory() as tmp:
            for dtype in ("int8", "bf16"):
                print(f"[accuracy] {name}: lightbert {dtype}", file=sys.stderr, flush=True)
                lbt = os.path.join(tmp, f"{name}-{dtype}.lbt")
                r = subprocess.run([cli, "convert", folder, lbt, "--dtype", dtype, "--json",
                                    "--runs", "1", "--threads", str(a.threads)],
                                   stdout=subprocess.PIPE, check=True, text=True)
                report = json.loads(r.stdout)
                emb = lightbert.Model(lbt, threads=a.threads).encode(sentences, batch_size=32)
                e64, b64 = emb.astype(np.float64), base.astype(np.float64)
                cos = np.sum(e64 * b64, 1) / np.linalg.norm(e64, axis=1) / np.linalg.norm(b64, axis=1)
                rows.append((name, f"lightbert {dtype} (.lbt, {report['size_bytes']['after'] / 1e6:.1f} MB)",
                             stsb.stsb_spearman(emb, idx, gold), float(np.abs(emb - base).max()),
                             float(cos.mean())))
        for row in rows:
            if row[0] == name:
                print(f"[accuracy] {row[0]} {row[1]}: {row[2]:.6f}", file=sys.stderr)

    fp32 = {r[0]: r[2] for r in rows if r[1] == "lightbert fp32"}
    lines = [BEGIN,
             "Generated by `python3 tools/accuracy_stsb.py` (do not edit by hand) on "
             f"{cpu_name()}, `{lightbert.version()}`.",
             "",
             "| model | engine, weights | STS-B dev Spearman | / lightbert fp32 | embeddings max abs diff | mean cosine to fp32 |",
             "|---|---|---|---|---|---|"]
    for name, what, sp, diff, cos in rows:
        ratio = sp / fp32[name]
        dtype = what.split()[1] if what.startswith("lightbert") else ""
        mark = ""
        if dtype in TARGET:
            mark = " (target >= %g%%: %s)" % (TARGET[dtype] * 100, "met" if ratio >= TARGET[dtype] else "MISSED")
        diff_s = "" if diff is None else (f"{diff:.2e} vs sentence-transformers" if cos is None
                                          else f"{diff:.2e} vs fp32")
        lines.append(f"| {name} | {what} | {sp:.6f} | {ratio * 100:.3f}%{mark} | {diff_s} | "
                     + ("" if cos is None else f"{cos:.6f}") + " |")
    lines.append(END)
    table = "\n".join(lines)

    out = Path(a.out)
    text = out.read_text() if out.exists() else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + table + text[text.index(END) + len(END):]
    else:
        text = text + ("\n" if text else "") + table + "\n"
    out.write_text(text)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
