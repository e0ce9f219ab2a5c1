#!/usr/bin/env bash
# tools/openapi_env.sh: prepares schemathesis (PyPI), which runs against a live `lightbert serve`
# with docs/openapi.json (ctest openapi_schemathesis, tests/openapi/run_schemathesis.sh). A venv
# on /usr/bin/python3 ($LIGHTBERT_OPENAPI_VENV, else ~/.cache/lightbert/openapi-venv) holding
# tools/requirements-openapi.txt, reinstalled only when that file changes (its sha256 is stamped in
# the venv); needs python3-venv (tools/install_deps.sh with LIGHTBERT_REAL_DEPS=1). Idempotent.
# Prints the venv's `st` on stdout last.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${LIGHTBERT_OPENAPI_VENV:-$HOME/.cache/lightbert/openapi-venv}
REQ=tools/requirements-openapi.txt
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/st" ] || [ "$(cat "$VENV/.lightbert-req" 2>/dev/null)" != "$want" ]; then
  echo "[openapi_env] installing $REQ into $VENV" >&2
  rm -rf "$VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
  "$VENV/bin/st" --version >&2
  echo "$want" > "$VENV/.lightbert-req"
else
  echo "[openapi_env] $VENV up to date" >&2
fi
echo "$VENV/bin/st"
