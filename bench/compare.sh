#!/usr/bin/env bash
# bench/compare.sh: lightbert against ONNX Runtime (plain and fused graphs) and PyTorch on the
# oracle's cases, in the same run, alternating, 2 threads; prints the fp32 table and, when int8 /
# bf16 runtimes ran, the reduced-precision table (bench/compare_table.py).
# Contract: locates the oracle (installs it with ../shared/oracle/install.sh when missing, and
# builds the peer models when missing), writes its cases.json, measures the fp32 peak with the
# oracle's peak_fma in its 256-bit (YMM) build (best of PEAK_TRIES), then for ROUNDS rounds runs
# every model x runtime in its own process (the runtime order rotates each round): lightbert
# `bench --cases` (the real lengths only, padding-free; lightbert-int8 / lightbert-bf16 add
# --dtype int8 / bf16), ORT plain / fused (fp32 or the oracle's dynamic-int8 graphs) and PyTorch
# (fp32 or quantize_dynamic int8) on the
# padded batches (their own bench scripts). Each row keeps, per runtime, the best process
# median (the oracle's rule for this noisy shared VM); other processes' CPU share is printed.
# Knobs (environment): MODELS, CASES, RUNS (timed runs per case, default 10), RUNS_BIG (bert-base
# batch-32 cases, default 3), ROUNDS (default 2), THREADS (2), RUNTIMES (subset of lightbert
# lightbert-int8 lightbert-bf16 ort-fp32 ort-fp32-fused ort-int8 ort-int8-fused torch-fp32
# torch-int8; default: the fp32 ones), LIGHTBERT (the binary; default: build build-bench/),
# OUT (results folder, default build-bench/compare, git-ignored), PEAK (GFLOP/s: skip the peak measurement, e.g. the
# value of a quiet moment when the machine is busy). Exit status: non-zero when a runtime failed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELS="${MODELS:-all-MiniLM-L6-v2 bert-base-uncased}"
CASES="${CASES:-b1_s16 b1_s128 b1_s512 b32_s128 b32_var8-128}"
RUNS="${RUNS:-10}"
RUNS_BIG="${RUNS_BIG:-3}"
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-2}"
RUNTIMES="${RUNTIMES:-lightbert ort-fp32 ort-fp32-fused torch-fp32}"
PEAK_TRIES="${PEAK_TRIES:-3}"
OUT="${OUT:-$ROOT/build-bench/compare}"
PY=/usr/bin/python3
export OMP_NUM_THREADS="$THREADS"

# ---- oracle, models, lightbert ---------------------------------------------------------------
DIR="${LIGHTBERT_ORACLE_HOME:-$HOME/.cache/lightbert-oracle}"
if [ ! -f "$DIR/bench_ort.mjs" ] || [ ! -d "$DIR/node_modules/onnxruntime-node" ]; then
  DIR=$("$ROOT/../shared/oracle/install.sh" | tail -1)
fi
for m in $MODELS; do
  if [ ! -f "$DIR/models/$m/model.safetensors" ] || [ ! -f "$DIR/models/$m/model.onnx" ]; then
    "$ROOT/../shared/oracle/install.sh" "$DIR" --models >&2
    break
  fi
done
LB="${LIGHTBERT:-}"
if [ -z "$LB" ]; then
  cmake -S "$ROOT" -B "$ROOT/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLIGHTBERT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$ROOT/build-bench" -j "$(nproc)" --target lightbert_cli >/dev/null
  LB="$ROOT/build-bench/lightbert"
fi

rm -rf "$OUT/raw"
mkdir -p "$OUT/raw"
$PY "$DIR/make_cases.py" "$OUT/cases.json" >/dev/null
start=$(date +%s)
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${PEAK:-}" ]; then
  echo "== peak: $PEAK GFLOP/s (given by PEAK=, not measured)"
else
  # -O3: gcc 12 at -O2 keeps the chains in memory and reports a false ~40 GFLOP/s per thread
  cc -O3 -mavx2 -mfma -DUSE_YMM -pthread "$DIR/peak_fma.c" -o "$OUT/peak_ymm"
  : > "$OUT/peak.jsonl"
  for _ in $(seq 1 "$PEAK_TRIES"); do "$OUT/peak_ymm" "$THREADS" >> "$OUT/peak.jsonl"; done
  PEAK=$($PY -c "import json,sys; print(max(json.loads(l)['fma_gflops_${THREADS}threads'] for l in open(sys.argv[1])))" "$OUT/peak.jsonl")
  echo "== peak (YMM peak_fma, $THREADS threads, best of $PEAK_TRIES): $PEAK GFLOP/s"
fi
echo "$PEAK" > "$OUT/peak.txt"
$LB --version | tee "$OUT/version.txt"

only=()
for c in $CASES; do only+=(--only "$c"); done
fail=0
run_one() {  # runtime model round
  local rt=$1 m=$2 r=$3 md="$DIR/models/$2"
  local raw="$OUT/raw/${rt}__${m}__r${r}.json"
  case "$rt" in
    lightbert|lightbert-int8|lightbert-bf16)
      local dtype=fp32
      [ "$rt" = lightbert-int8 ] && dtype=int8
      [ "$rt" = lightbert-bf16 ] && dtype=bf16
      echo "[" > "$raw"; local first=1
      for c in $CASES; do
        local n=$RUNS warm=3
        if [ "$m" = bert-base-uncased ] && [[ "$c" == b32_* ]]; then n=$RUNS_BIG; warm=1; fi
        local line
        if ! line=$("$LB" bench --model "$md" --cases "$OUT/cases.json" --case "$c" --runs "$n" \
                     --warmup "$warm" --threads "$THREADS" --peak-gflops "$PEAK" --dtype "$dtype" \
                     --json); then
          echo "  FAILED: $rt $m $c" >&2; fail=1; continue
        fi
        [ $first = 1 ] || echo "," >> "$raw"; first=0
        echo "{\"name\": \"$c\", \"result\": $line}" >> "$raw"
        $PY -c "import json,sys; j=json.loads(sys.argv[1]); print(f'  {sys.argv[4]:22s} {sys.argv[2]:18s} {sys.argv[3]:13s} median {j[\"median_ms\"]:9.2f} ms  (min {j[\"min_ms\"]:.2f}, max {j[\"max_ms\"]:.2f}, n={j[\"runs\"]})' + (f'  [other processes used {100*j[\"other_cpu_frac\"]:.0f}% CPU]' if j['other_cpu_frac'] > 0.05 else ''))" "$line" "$m" "$c" "$rt"
      done
      echo "]" >> "$raw" ;;
    ort-fp32|ort-fp32-fused|ort-int8|ort-int8-fused)
      local f=model.onnx
      [ "$rt" = ort-fp32-fused ] && f=model.fused.onnx
      [ "$rt" = ort-int8 ] && f=model.int8.onnx
      [ "$rt" = ort-int8-fused ] && f=model.fused.int8.onnx
      (cd "$DIR" && node bench_ort.mjs --model "$md/$f" --label "$rt" --cases "$OUT/cases.json" \
         --threads "$THREADS" --runs "$RUNS" --min-runs "$RUNS_BIG" --case-budget 12 \
         --out "$raw" "${only[@]}") || { echo "  FAILED: $rt $m" >&2; fail=1; } ;;
    torch-fp32|torch-int8)
      (cd "$DIR" && $PY bench_torch.py --model-dir "$md" --mode "${rt#torch-}" --cases "$OUT/cases.json" \
         --threads "$THREADS" --runs "$RUNS" --min-runs "$RUNS_BIG" --case-budget 12 \
         --out "$raw" "${only[@]}") || { echo "  FAILED: $rt $m" >&2; fail=1; } ;;
    *) echo "unknown runtime $rt" >&2; exit 2 ;;
  esac
}

read -r -a rts <<< "$RUNTIMES"
for r in $(seq 1 "$ROUNDS"); do
  for m in $MODELS; do
    echo "== round $r/$ROUNDS  $m  (load average $(cut -d' ' -f1 /proc/loadavg))"
    n=${#rts[@]}
    for i in $(seq 0 $((n - 1))); do
      run_one "${rts[$(( (i + r - 1) % n ))]}" "$m" "$r"
    done
  done
done
echo "== table  ($(( $(date +%s) - start )) s; ROUNDS=$ROUNDS RUNS=$RUNS RUNS_BIG=$RUNS_BIG THREADS=$THREADS)"
$PY "$ROOT/bench/compare_table.py" --out "$OUT" --oracle "$DIR" --models $MODELS --cases $CASES | tee "$OUT/table.md"
exit $fail
