#!/usr/bin/env bash
# tools/fuzz.sh: builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp) with clang, ASan and UBSan
# in build-fuzz/ and runs each for a fixed time.
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]   (default 30 s; every target when none is named)
# Each target starts from its committed seeds (tests/fuzz/corpus/TARGET/, read only) plus the
# inputs earlier runs found (build-fuzz/corpus/TARGET/, where new inputs go). Per target it prints
# the executions, the coverage (cov = edges, ft = features, from libFuzzer's final status line),
# the corpus size and the findings (crash-/leak-/timeout-/oom- files under
# build-fuzz/artifacts/TARGET/). Exit status is non-zero when a build fails or any target finds
# something. Environment: FUZZ_JOBS (build parallelism, default 2), FUZZ_ARGS (extra libFuzzer
# flags), CC / CXX (default clang / clang++). Needs Debian's clang and libclang-rt-14-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
[ $# -gt 0 ] && shift
case "$secs" in ''|*[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
dir=build-fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  -DLIGHTBERT_FUZZ=ON -DLIGHTBERT_BUILD_TESTS=OFF -DLIGHTBERT_PYTHON=OFF >/dev/null
cmake --build "$dir" -j "${FUZZ_JOBS:-2}" --target "${targets[@]}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-24s %10s %7s %7s %7s  %s\n' target execs cov ft corpus findings
for t in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/$t
  work=$dir/corpus/$t
  art=$dir/artifacts/$t
  mkdir -p "$work" "$art" "$seeds"
  log=$dir/$t.log
  rc=0
  touch "$dir/.start-$t"
  "$dir/tests/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 -timeout=20 \
    -rss_limit_mb=4096 -artifact_prefix="$art/" ${FUZZ_ARGS:-} "$work" "$seeds" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -aE '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "$work" -type f | wc -l)
  findings=$(find "$art" -type f -newer "$dir/.start-$t" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
             -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
  status=none
  if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
    status="$findings file(s) in $art (exit $rc; log $log)"
    failed=1
  fi
  printf '%-24s %10s %7s %7s %7s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$status"
  if [ "$rc" -ne 0 ]; then
    grep -aE 'ERROR: |SUMMARY: |runtime error|==[0-9]+==' "$log" | head -5 | sed 's/^/    /' || true
  fi
done
exit $failed
