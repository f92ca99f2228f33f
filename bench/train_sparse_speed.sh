#!/usr/bin/env bash
# Training-step throughput of a pruned lottery level (sparse conv training) against the dense level 0,
# measured in the same run.
#   bench/train_sparse_speed.sh [BUILD_DIR] [--mask-density 0.107] [--mask-structure block8x1] [bench_train options]
# Defaults: ds2-small, batch 16 x 4 s, 5 steps, 1 thread, 10.7% density (the paper's level 10) in 8 x 1 blocks.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [[ $# -gt 0 && $1 != --* ]]; then build=$1; shift; fi
args=(--model ds2-small --batch 16 --seconds 4 --steps 5 --threads 1)
sparse=$("$build/bench_train" "${args[@]}" --mask-density 0.107 --mask-structure block8x1 "$@")
echo "$sparse"
dense=$("$build/bench_train" "${args[@]}" "$@" --mask-density 1)
echo "$dense"
speed() { sed -nE 's/.* ([0-9.]+) audio-s\/s.*/\1/p' <<<"$1"; }
awk -v a="$(speed "$sparse")" -v b="$(speed "$dense")" \
  'BEGIN { printf "training throughput ratio (sparse level / dense level 0): %.2f\n", a / b }'
