#!/usr/bin/env bash
# The main job on the default corpus. For now: install, build, make the default synthetic
# corpus (skipped when already made) and print its summary.
#   scripts/main.sh [CORPUS_DIR]      (default: corpus/default)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-corpus/default}
scripts/setup.sh
scripts/build.sh build
build/audiolottery synth --preset default --out "$corpus"
