#!/usr/bin/env bash
# tools/test_spark.sh: runs the Spark recipe's test (tests/spark/: lightbert.spark in a local
# cluster of 2 executors on the real MiniLM and STS-B dev) under the venv of tools/spark_env.sh,
# with the package built in build/ (tools/test.sh builds it; run that first). Exit status of pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(bash tools/spark_env.sh)
test -d build/python/lightbert || { echo "[test_spark] build/python/lightbert missing: run tools/test.sh first" >&2; exit 1; }
PYTHONPATH="$PWD/build/python" LIGHTBERT_STSB_DEV="${LIGHTBERT_STSB_DEV:-$PWD/../shared/data/stsb/sts-dev.csv}" \
  "$PY" -m pytest -q -p no:cacheprovider tests/spark
