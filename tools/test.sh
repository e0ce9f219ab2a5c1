#!/usr/bin/env bash
# tools/test.sh: builds lightbert (Release) and runs the whole test suite with ctest; with
# --sanitize it also builds and tests an AddressSanitizer + UndefinedBehaviorSanitizer build.
# With LIGHTBERT_REAL_MODELS=1 in the environment the Release build also registers and runs the
# real-model tests (ctest label real_models; run tools/real_env.sh first, as .ci/run does).
# Exit status is non-zero when any build or test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
sanitize=0
for a in "$@"; do
  case "$a" in
    --sanitize) sanitize=1 ;;
    *) echo "usage: tools/test.sh [--sanitize]" >&2; exit 2 ;;
  esac
done
run_suite() {  # build-dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS"
}
real=(-DLIGHTBERT_REAL_MODELS=OFF)
if [ "${LIGHTBERT_REAL_MODELS:-0}" = 1 ]; then
  real=(-DLIGHTBERT_REAL_MODELS=ON
        "-DLIGHTBERT_REAL_PYTHON=${LIGHTBERT_VENV:-$HOME/.cache/lightbert/venv}/bin/python")
fi
run_suite build -DLIGHTBERT_PYTHON=ON "${real[@]}"
if [ $sanitize = 1 ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The Python module is left out here: a sanitized extension needs libasan preloaded into python.
  run_suite build-asan -DLIGHTBERT_SANITIZE=ON -DLIGHTBERT_PYTHON=OFF
fi
