#!/usr/bin/env bash
# bench/compare.sh: lightbert against its PyPI peers (ONNX Runtime plain / fused / dynamic int8,
# OpenVINO, CTranslate2, PyTorch) on the oracle's cases, in the same run, alternating, 2 threads.
# Contract: a thin wrapper kept for the knobs of the earlier node-based runner; it runs
# bench/peers/setup.sh when the peers' venv is missing, then execs bench/peers/compare.py (which
# does the work and prints bench/compare_table.py's tables). Knobs (environment): MODELS (the
# oracle's model names), CASES, RUNS (default 10), RUNS_BIG (bert-base batch-32 cases, default
# 3), ROUNDS (default 2), THREADS (2), RUNTIMES (subset of lightbert lightbert-int8
# lightbert-bf16 ort-fp32 ort-fp32-fused ort-int8 ort-int8-fused openvino-fp32 openvino-bf16
# openvino-int8 ct2-fp32 ct2-int8 torch-fp32 torch-int8; default: all), ISA (comma list of
# LIGHTBERT_ISA values, one lightbert column set each), LIGHTBERT (the binary; default build/
# or a build-bench/ build), OUT (results, default build-bench/peers, git-ignored), PEAK
# (GFLOP/s: skip the peak measurement). Extra arguments go to compare.py (e.g. --model DIR).
# Exit status: compare.py's (non-zero when lightbert itself failed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LIGHTBERT_PEERS_HOME:-$HOME/.cache/lightbert-peers}/venv"
[ -x "$VENV/bin/python" ] || bash "$ROOT/bench/peers/setup.sh" >&2
args=(--rounds "${ROUNDS:-2}" --runs "${RUNS:-10}" --runs-big "${RUNS_BIG:-3}" --threads "${THREADS:-2}")
[ -n "${MODELS:-}" ] && { read -r -a m <<< "$MODELS"; args+=(--models "${m[@]}"); }
[ -n "${CASES:-}" ] && { read -r -a c <<< "$CASES"; args+=(--cases "${c[@]}"); }
[ -n "${RUNTIMES:-}" ] && { read -r -a r <<< "$RUNTIMES"; args+=(--runtimes "${r[@]}"); }
[ -n "${ISA:-}" ] && args+=(--isa "$ISA")
[ -n "${LIGHTBERT:-}" ] && args+=(--lightbert "$LIGHTBERT")
[ -n "${OUT:-}" ] && args+=(--out "$OUT")
[ -n "${PEAK:-}" ] && args+=(--peak "$PEAK")
exec /usr/bin/python3 "$ROOT/bench/peers/compare.py" "${args[@]}" "$@"
