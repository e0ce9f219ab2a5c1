#!/usr/bin/env bash
# tools/install_deps.sh: installs lightbert's build and test dependencies from Debian 12's
# packages (run as root). Idempotent.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config git
      libgtest-dev libgmock-dev nlohmann-json3-dev libutf8proc-dev
      libsentencepiece-dev sentencepiece python3-sentencepiece nettle-dev
      libcurl4-openssl-dev libssl-dev libcpp-httplib-dev libsimde-dev
      python3 python3-dev pybind11-dev python3-numpy python3-pytest)
# nginx: the load balancer of the rolling-restart test (ctest rolling_restart_nginx, docs/deploy.md);
# the test runs it in the foreground with its own config, never as the system service.
PKGS+=(nginx)
# The fuzz targets (tools/fuzz.sh, -DLIGHTBERT_FUZZ=ON): clang with its libFuzzer / sanitizer
# runtimes (libclang-rt-14-dev) and LLVM's OpenMP runtime for clang (libomp-dev).
PKGS+=(clang libclang-rt-14-dev libomp-dev)
# LIGHTBERT_BENCH_DEPS=1: also the GEMM libraries bench/gemm_bench compares against
# (-DLIGHTBERT_BUILD_BENCH=ON); the library itself does not link them.
if [ "${LIGHTBERT_BENCH_DEPS:-0}" = 1 ]; then
  PKGS+=(libdnnl-dev libopenblas-dev libxsmm-dev)
fi
# LIGHTBERT_REAL_DEPS=1: also what tools/real_env.sh needs for the real-model tests: Debian's torch
# (the reference sentence-transformers runs on; the PyPI wheel pulls GBs of NVIDIA libraries) and
# venv/pip for the virtual environment holding Hugging Face's libraries.
if [ "${LIGHTBERT_REAL_DEPS:-0}" = 1 ]; then
  PKGS+=(python3-torch python3-venv python3-pip)
fi
# LIGHTBERT_FIXTURE_DEPS=1: also torch (Debian's python3-torch), which only
# tools/make_torch_fixtures.py needs to regenerate tests/data/formats/torch; the tests read the
# committed files and need no torch.
if [ "${LIGHTBERT_FIXTURE_DEPS:-0}" = 1 ]; then
  PKGS+=(python3-torch)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No service may start from the install (nginx's would take port 80): a policy-rc.d that
  # denies it, unless the system has its own (Docker images do).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "[deps] ok: ${PKGS[*]}"
