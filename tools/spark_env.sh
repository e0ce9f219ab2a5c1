#!/usr/bin/env bash
# tools/spark_env.sh: prepares what the Spark recipe's test needs, idempotently: Java 17 (Debian's
# openjdk-17-jre-headless, as root) and the real-model prerequisites (tools/real_env.sh: Debian's
# torch, the checkpoints), and a virtual environment on /usr/bin/python3 with the system site
# packages holding tools/requirements-spark.txt. The venv: $LIGHTBERT_SPARK_VENV, else
# ~/.cache/lightbert/spark-venv; (re)installed when it cannot import pyspark, pandas, pyarrow and
# sentence_transformers at the pinned versions. Prints the venv's python on stdout last.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${LIGHTBERT_SPARK_VENV:-$HOME/.cache/lightbert/spark-venv}
if ! command -v java >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >&2
fi
bash tools/real_env.sh >/dev/null
check='import pyspark, pandas, pyarrow, sentence_transformers as st
assert (pyspark.__version__, pandas.__version__, pyarrow.__version__, st.__version__) == ("3.5.3", "2.2.3", "17.0.0", "2.7.0")'
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "$check" 2>/dev/null; then
  echo "[spark_env] installing tools/requirements-spark.txt into $VENV" >&2
  rm -rf "$VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r tools/requirements-spark.txt >&2
  "$VENV/bin/python" -c "$check"
else
  echo "[spark_env] $VENV up to date" >&2
fi
echo "$VENV/bin/python"
