#!/usr/bin/env bash
# tools/real_env.sh: prepares what the real-model tests need, idempotently: Debian's python3-torch
# and python3-venv (through tools/install_deps.sh with LIGHTBERT_REAL_DEPS=1, as root), a virtual
# environment on /usr/bin/python3 with the system site packages (so Debian's torch 1.13 and numpy,
# and the lightbert module built for that interpreter, are importable) holding Hugging Face's
# libraries pinned in tools/requirements-real.txt, and the real checkpoints (tools/fetch_models.py).
# The venv: $LIGHTBERT_VENV, else ~/.cache/lightbert/venv; reinstalled only when the requirements
# file changes (its sha256 is stamped in the venv). Prints the venv's python on stdout last.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${LIGHTBERT_VENV:-$HOME/.cache/lightbert/venv}
REQ=tools/requirements-real.txt
LIGHTBERT_REAL_DEPS=1 bash tools/install_deps.sh >&2
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.lightbert-req" 2>/dev/null)" != "$want" ]; then
  echo "[real_env] installing $REQ into $VENV" >&2
  rm -rf "$VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
  # (pip check is no use here: it also judges Debian's own packages, e.g. pygobject's pycairo)
  "$VENV/bin/python" -c "import torch, transformers, tokenizers, sentence_transformers, scipy" >&2
  echo "$want" > "$VENV/.lightbert-req"
else
  echo "[real_env] $VENV up to date" >&2
fi
"$VENV/bin/python" tools/fetch_models.py >&2
echo "$VENV/bin/python"
