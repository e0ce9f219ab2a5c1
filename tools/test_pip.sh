#!/usr/bin/env bash
# tools/test_pip.sh: the pip way in, tested in fresh virtual environments (no system site
# packages): `pip wheel .` makes a lightbert wheel, which installs into one fresh venv; `pip
# install .` installs into another. In each, from outside the source tree: `import lightbert`
# comes from the venv, one line of Python encodes with the bundled tiny model and matches the
# PyTorch golden vectors (tests/data/tiny-bert/golden), and the CLI is on the venv's PATH as
# `lightbert` and embeds. Needs PyPI (scikit-build-core for the build, numpy for the venvs), the
# Debian packages of tools/install_deps.sh and python3-venv. The CMake build folder
# ($LIGHTBERT_PIP_BUILD_DIR, default build/pip) is shared by both builds, so the second is
# incremental. Exit status non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PY=${LIGHTBERT_PIP_PYTHON:-/usr/bin/python3}
BUILD_DIR=${LIGHTBERT_PIP_BUILD_DIR:-$REPO/build/pip}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-${JOBS:-$(nproc)}}
pipq=(--disable-pip-version-check -q)

check() {  # venv
  local venv=$1
  (cd "$work" && "$venv/bin/python" - "$REPO" "$venv" <<'PY'
import json, os, sys
import numpy as np
repo, venv = sys.argv[1], sys.argv[2]
import lightbert
assert os.path.realpath(lightbert.__file__).startswith(os.path.realpath(venv)), lightbert.__file__
model = os.path.join(repo, "tests", "data", "tiny-bert")
inputs = [json.loads(x) for x in open(os.path.join(model, "golden", "cli_inputs.jsonl"))]
expected = [json.loads(x) for x in open(os.path.join(model, "golden", "cli_expected.jsonl"))]
texts = [x["text"] for x in inputs if "text_pair" not in x][:4]
want = np.array([e["embed_mean"] for x, e in zip(inputs, expected) if "text_pair" not in x][:4])
v = lightbert.Model(model).encode(texts, batch_size=32, normalize_embeddings=False)
assert v.dtype == np.float32 and v.shape == want.shape, (v.dtype, v.shape)
err = float(np.abs(v - want).max())
assert err <= 1e-4, err
assert lightbert.Model(model).encode(texts[0]).shape == (want.shape[1],)
print(f"[test_pip] {venv}: import + encode ok (max abs vs golden {err:.2e}), lightbert {lightbert.__version__}")
PY
  )
  local out
  out=$(cd "$work" && echo '{"text": "Hello, world!"}' | PATH="$venv/bin:$PATH" lightbert embed \
        --model "$REPO/tests/data/tiny-bert")
  case "$out" in
    '{"embedding":['*) echo "[test_pip] $venv/bin/lightbert embed ok" ;;
    *) echo "[test_pip] $venv: the CLI printed: $out" >&2; return 1 ;;
  esac
}

# 1. pip wheel . -> a wheel, installed into a fresh venv.
"$PY" -m venv "$work/wheel-venv"
"$work/wheel-venv/bin/pip" "${pipq[@]}" wheel . --no-deps -w "$work/dist" \
  --config-settings=build-dir="$BUILD_DIR"
ls "$work"/dist/lightbert-*.whl
"$work/wheel-venv/bin/pip" "${pipq[@]}" install "$work"/dist/lightbert-*.whl
check "$work/wheel-venv"

# 2. pip install . into another fresh venv.
"$PY" -m venv "$work/src-venv"
"$work/src-venv/bin/pip" "${pipq[@]}" install . --config-settings=build-dir="$BUILD_DIR"
check "$work/src-venv"
echo "[test_pip] ok"
