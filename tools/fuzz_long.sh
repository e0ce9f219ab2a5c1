#!/usr/bin/env bash
# tools/fuzz_long.sh: the long fuzz runs of issue 13. Runs one libFuzzer target (built by
# tools/fuzz.sh in build-fuzz/) until its coverage has been quiet for QUIET seconds, or it has run
# MAX seconds, whichever comes first. Both are the fuzzer's CPU seconds (user + system, from
# /proc/PID/stat), not wall-clock time, so a run niced on a busy machine, or stopped with
# SIGSTOP meanwhile, still gets QUIET seconds of fuzzing before it counts as quiet.
# Usage: tools/fuzz_long.sh TARGET QUIET MAX
# "Quiet" means neither the edge count (cov) nor the feature count (ft) of libFuzzer's status
# lines grew: no new input was added to the corpus for coverage. The corpus is
# build-fuzz/corpus/TARGET (carried over between runs) plus the committed seeds. Prints a header
# and one row:
#   target execs cov ft corpus findings wall_s cpu_s last_new_cpu_s quiet_cpu_s stopped_by
# where last_new_cpu_s is when coverage last grew (CPU seconds into the run) and quiet_cpu_s how
# long the run went on after it. A progress log (about one row per CPU minute: cpu seconds, execs,
# cov, ft) goes to build-fuzz/TARGET.long.tsv, libFuzzer's own log to build-fuzz/TARGET.long.log.
# Exit status is non-zero when the target finds something (crash-/leak-/timeout-/oom- files, as
# tools/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 3 ] || { echo "usage: tools/fuzz_long.sh TARGET QUIET_SECONDS MAX_SECONDS" >&2; exit 2; }
t=$1 quiet=$2 max=$3
for n in "$quiet" "$max"; do
  case "$n" in ''|*[!0-9]*) echo "fuzz_long: seconds must be whole numbers" >&2; exit 2 ;; esac
done
dir=build-fuzz
bin=$dir/tests/fuzz/$t
[ -x "$bin" ] || { echo "fuzz_long: $bin is not built; run tools/fuzz.sh 1 $t first" >&2; exit 2; }
seeds=tests/fuzz/corpus/$t work=$dir/corpus/$t art=$dir/artifacts/$t
mkdir -p "$work" "$art" "$seeds"
log=$dir/$t.long.log tsv=$dir/$t.long.tsv
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
touch "$dir/.start-long-$t"
"$bin" -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$art/" ${FUZZ_ARGS:-} "$work" "$seeds" >"$log" 2>&1 &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT INT TERM
tick=$(getconf CLK_TCK)
# The fuzzer's CPU seconds so far (fields 14 and 15 of /proc/PID/stat, after the command name).
cpu_secs() {
  local stat
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo "$now"; return; }
  stat=${stat##*) }
  read -r -a f <<<"$stat"
  echo $(( (f[11] + f[12]) / tick ))
}
start=$(date +%s) last_key="" last_new=0 stopped_by=max next_row=0 now=0
printf 'cpu_secs\texecs\tcov\tft\n' >"$tsv"
while kill -0 "$pid" 2>/dev/null; do
  sleep 10
  now=$(cpu_secs)
  line=$(grep -aE '^#[0-9]+' "$log" | tail -1 || true)
  [ -n "$line" ] || continue
  execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$line")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
  key="$cov/$ft"
  if [ "$key" != "$last_key" ]; then last_key=$key last_new=$now; fi
  if [ "$now" -ge "$next_row" ]; then
    printf '%s\t%s\t%s\t%s\n' "$now" "$execs" "$cov" "$ft" >>"$tsv"
    next_row=$(( next_row + 60 ))
  fi
  if [ $(( now - last_new )) -ge "$quiet" ] || [ "$now" -ge "$max" ]; then
    [ $(( now - last_new )) -ge "$quiet" ] && stopped_by=quiet
    kill -INT "$pid" 2>/dev/null || true
    break
  fi
done
rc=0
wait "$pid" || rc=$?
trap - EXIT INT TERM
wall=$(( $(date +%s) - start ))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
line=$(grep -aE '^#[0-9]+' "$log" | tail -1 || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
corpus=$(find "$work" -type f | wc -l)
findings=$(find "$art" -type f -newer "$dir/.start-long-$t" \( -name 'crash-*' -o -name 'leak-*' \
           -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
printf 'target\texecs\tcov\tft\tcorpus\tfindings\twall_s\tcpu_s\tlast_new_cpu_s\tquiet_cpu_s\tstopped_by\n'
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
  "$corpus" "$findings" "$wall" "$now" "$last_new" "$(( now - last_new ))" "$stopped_by"
# libFuzzer exits non-zero when interrupted by SIGINT (as here); only findings fail.
if [ "$findings" -gt 0 ]; then
  grep -aE 'ERROR: |SUMMARY: |runtime error' "$log" | head -5 | sed 's/^/    /' >&2 || true
  exit 1
fi
