#!/usr/bin/env bash
# Training (and inference) throughput of DeepSpeech2, ours vs PyTorch, measured in the same run.
#   bench/train_speed.sh [BUILD_DIR] [--model ds2-small] [--batch 16] [--seconds 4] [--steps 10] [--threads 2]
# Training: a fixed batch of random 4-second features, forward + CTC + backward + clip + AdamW.
# Inference: eval-mode forward at batch 1 on one thread (real-time factor).
# PyTorch runs with the OpenMP OpenBLAS (LD_LIBRARY_PATH), as the brief asks; it needs Debian's
# python3-torch (scripts/setup.sh --dev).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [[ $# -gt 0 && $1 != --* ]]; then build=$1; shift; fi
args=(--model ds2-small --batch 16 --seconds 4 --steps 10 --threads 2 "$@")
ours=$("$build/bench_train" "${args[@]}")
echo "$ours"
have_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1
ratio() { # ours_line torch_line -> ratio of audio-s/s
  local a b
  a=$(sed -E 's/.* ([0-9.]+) audio-s\/s.*/\1/' <<<"$1"); b=$(sed -E 's/.* ([0-9.]+) audio-s\/s.*/\1/' <<<"$2")
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
}
if [[ $have_torch == 1 ]]; then
  theirs=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_train.py "${args[@]}")
  echo "$theirs"
  echo "training throughput ratio (ours / pytorch): $(ratio "$ours" "$theirs")"
fi
ours_i=$("$build/bench_train" --infer "${args[@]}" --batch 1 --threads 1 --steps 20)
echo "$ours_i"
if [[ $have_torch == 1 ]]; then
  theirs_i=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_train.py --infer "${args[@]}" --batch 1 --threads 1 --steps 20)
  echo "$theirs_i"
  echo "inference speed ratio (ours / pytorch): $(ratio "$ours_i" "$theirs_i")"
else
  echo "python3-torch not installed: PyTorch side skipped (scripts/setup.sh --dev)"
fi
