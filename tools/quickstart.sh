#!/usr/bin/env bash
# tools/quickstart.sh: the first command of the README. Installs the dependencies (Debian 12,
# as root), builds lightbert, and embeds two sentences with the small model shipped in
# tests/data/tiny-bert (seeded random weights in the Hugging Face layout).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
build/lightbert --version
printf '%s\n' '{"text": "Hello, world!"}' '{"text": "lightbert runs BERT on the CPU."}' |
  build/lightbert embed --model tests/data/tiny-bert --normalize
