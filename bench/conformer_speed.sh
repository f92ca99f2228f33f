#!/usr/bin/env bash
# Conformer-CTC speed, ours vs PyTorch measured in the same run: training step throughput (batch 16 x
# 4 s, 2 threads: forward, CTC, backward, clipping, Adam) and batch-1 inference (1 thread). PyTorch
# runs in each of its CPU configurations (mkldnn on/off x the OpenMP and pthread OpenBLAS builds) and
# the best one is the reference; the ratio is ours / best PyTorch (> 1: we are faster).
#   bench/conformer_speed.sh [BUILD_DIR] [--model conformer-small] [--steps 10]
# Needs Debian's python3-torch (scripts/setup.sh --dev) for the PyTorch side.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [[ $# -gt 0 && $1 != --* ]]; then build=$1; shift; fi
model=conformer-small steps=10
while [[ $# -gt 0 ]]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) echo "conformer_speed: unknown argument $1" >&2; exit 2 ;;
  esac
done
/usr/bin/python3 -c 'import torch, torchaudio' 2>/dev/null || { echo "python3-torch/torchaudio missing (scripts/setup.sh --dev)"; exit 2; }
rate() { sed -E 's#.* ([0-9.]+) audio-s/s.*#\1#' <<<"$1"; }
rss() { sed -E 's#.*peak RSS ([0-9]+) MiB.*#\1#' <<<"$1"; }
run_side() { # mode (train | infer) -> prints our line, then each PyTorch line, then the summary
  local mode=$1 extra=(--batch 16 --threads 2) best=0 best_line=
  [[ $mode == infer ]] && extra=(--infer --batch 1 --threads 1)
  local ours; ours=$("$build/bench_train" --model "$model" --seconds 4 --steps "$steps" "${extra[@]}")
  echo "$ours"
  for blas in openblas-openmp openblas-pthread; do
    for mk in on off; do
      local line
      line=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/$blas /usr/bin/python3 bench/torch_conformer.py \
        --model "$model" --seconds 4 --steps "$steps" --mkldnn "$mk" "${extra[@]}")
      echo "  [$blas] $line"
      if awk -v a="$(rate "$line")" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$(rate "$line"); best_line=$line; fi
    done
  done
  awk -v a="$(rate "$ours")" -v b="$best" -v ra="$(rss "$ours")" -v rb="$(rss "$best_line")" -v m="$mode" \
    'BEGIN { printf "%s: ours / best pytorch throughput %.2f; peak RSS ours %d MiB, pytorch %d MiB\n", m, a / b, ra, rb }'
}
run_side train
run_side infer
