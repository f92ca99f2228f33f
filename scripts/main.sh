#!/usr/bin/env bash
# The main job on the default corpus: install, build, make the default synthetic corpus (kept when
# already made), then a lottery-ticket demo that fits in minutes on 2 cores: the small ds2-demo
# model trained on the utterances of at most 3 s (0.58 h of the 1.64 h), 55% of the remaining
# weights pruned per level down to 9.1% in 3 levels, with a random-reinit baseline at every level;
# then the report (table, winning tickets, CSV, SVG plot).
#   scripts/main.sh [CORPUS_DIR] [RUN_DIR]      (defaults: corpus/default, runs/demo)
# The full-scale experiment (ds2-small, 20% per level) is in docs/EXPERIMENTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-corpus/default}
run=${2:-runs/demo}
scripts/setup.sh
scripts/build.sh build
build/audiolottery synth --preset default --out "$corpus"
# Conv weights start ~5x smaller than the LSTM's: in the global pool they would be pruned away
# first (layer collapse), so each conv layer is pruned on its own at the same rate.
build/audiolottery lottery --train "$corpus/train" --dev "$corpus/dev" --test-clean "$corpus/test-clean" \
  --model ds2-demo --epochs 2 --max-duration 3 --levels 3 --prune-fraction 0.55 \
  --prune-rate conv.seq_module.0.weight=0.55 --prune-rate conv.seq_module.3.weight=0.55 \
  --branch random-reinit --quiet --out "$run"
build/audiolottery report "$run"
echo "plot: $run/report.svg"
