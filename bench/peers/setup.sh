#!/usr/bin/env bash
# bench/peers/setup.sh: installs the peers of bench/peers/compare.py. Idempotent.
# Contract: (1) Debian packages for the PyTorch peer and the oracle's model building, run with
# /usr/bin/python3: python3-torch (1.13), python3-onnx, python3-numpy, python3-venv, gcc (peak_fma);
# (2) a venv at $LIGHTBERT_PEERS_HOME/venv (default ~/.cache/lightbert-peers/venv, made from
# Debian's /usr/bin/python3) with requirements.txt's pinned PyPI peers: onnxruntime, openvino,
# ctranslate2, onnx, sympy. When the pinned set cannot be installed at once, each top-level peer is
# tried alone, so one that fails leaves only its own column missing (compare.py reports it);
# the outcome per package is written to $LIGHTBERT_PEERS_HOME/setup.json and `pip freeze` to
# freeze.txt. (3) the oracle (../shared/oracle/install.sh into ~/.cache/lightbert-oracle) when it
# is not there. Exit status 0 unless the venv itself cannot be made. Needs root or sudo for apt.
# usage: bench/peers/setup.sh
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOME_DIR="${LIGHTBERT_PEERS_HOME:-$HOME/.cache/lightbert-peers}"
VENV="$HOME_DIR/venv"
mkdir -p "$HOME_DIR"

APT_PKGS=(python3 python3-torch python3-onnx python3-numpy python3-venv gcc libc6-dev)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[peers] apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null || echo "[peers] apt-get failed: the PyTorch peer may be missing"
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "[peers] venv $VENV"
  /usr/bin/python3 -m venv "$VENV" || { echo "[peers] cannot make the venv" >&2; exit 1; }
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
status="{}"
if "${PIP[@]}" -r "$HERE/requirements.txt"; then
  status='{"all": "ok"}'
else
  echo "[peers] the pinned set did not install at once: trying each peer alone"
  status="{"
  for spec in $(grep -E '^(onnxruntime|openvino|ctranslate2|onnx|sympy)==' "$HERE/requirements.txt"); do
    if "${PIP[@]}" "$spec"; then r=ok; else r=failed; echo "[peers] $spec failed"; fi
    status+="\"$spec\": \"$r\", "
  done
  status="${status%, }}"
fi
echo "$status" > "$HOME_DIR/setup.json"
"$VENV/bin/python" -m pip freeze > "$HOME_DIR/freeze.txt"
"$VENV/bin/python" - <<'PY' || true
import importlib
for m in ("onnxruntime", "openvino", "ctranslate2", "onnx"):
    try:
        print(f"[peers] {m} {importlib.import_module(m).__version__}")
    except Exception as e:  # reported, not fatal: compare.py shows the column as missing
        print(f"[peers] {m}: cannot import ({type(e).__name__}: {e})")
PY
/usr/bin/python3 -c 'import torch; print(f"[peers] torch {torch.__version__} (Debian, /usr/bin/python3)")' ||
  echo "[peers] torch: cannot import under /usr/bin/python3"

ORACLE="${LIGHTBERT_ORACLE_HOME:-$HOME/.cache/lightbert-oracle}"
if [ ! -f "$ORACLE/bertlib.py" ]; then
  bash "$ROOT/../shared/oracle/install.sh" "$ORACLE" >/dev/null 2>&1 ||
    echo "[peers] the oracle install reported an error (its npm part is expected to fail)"
fi
[ -f "$ORACLE/bertlib.py" ] && echo "[peers] oracle $ORACLE"
echo "[peers] venv $VENV ready"
