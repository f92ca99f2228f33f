#!/usr/bin/env bash
# Two builds of audiolottery side by side in one run (e.g. before and after a refactor): training
# throughput and batch-1 inference of bench_train, and bench-infer's dense and sparse forwards,
# alternating the builds R times and printing each side's median and the ratio new / old.
#   bench/compare_builds.sh OLD_DIR NEW_DIR [--rounds 3] [--model ds2-small] [--checkpoint FILE]
# OLD_DIR and NEW_DIR each hold a built bench_train and audiolottery. --checkpoint: the model for
# bench-infer (default: a ds2-small trained for 2 steps on tests' tiny corpus, made here).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { sed -n 2,7p "$0" >&2; exit 2; }
old=$1 new=$2; shift 2
rounds=3 model=ds2-small ckpt=
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --checkpoint) ckpt=$2; shift 2 ;;
    *) echo "compare_builds: unknown argument $1" >&2; exit 2 ;;
  esac
done
for d in "$old" "$new"; do
  [[ -x $d/bench_train && -x $d/audiolottery ]] || { echo "compare_builds: $d lacks bench_train or audiolottery" >&2; exit 2; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [[ -z $ckpt ]]; then
  corpus=$tmp/corpus
  "$new/audiolottery" synth --preset tiny --out "$corpus" > /dev/null 2>&1
  "$new/audiolottery" train --train "$corpus/train" --model "$model" --epochs 1 --batch-size 4 --quiet \
    --stop-after-steps 2 --out "$tmp/run" > /dev/null 2>&1
  ckpt=$tmp/run/last.safetensors
fi
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -E "s#.* ([0-9.]+) $1.*#\\1#"; } # the number before a unit in a bench_train line
for r in $(seq "$rounds"); do
  for side in old new; do
    dir=$old; [[ $side == new ]] && dir=$new
    "$dir/bench_train" --model "$model" --batch 16 --seconds 4 --steps 6 --threads 2 | field 'audio-s/s' \
      >> "$tmp/train_$side"
    "$dir/bench_train" --infer --model "$model" --batch 1 --seconds 4 --steps 20 --threads 1 |
      sed -E 's/.*real-time factor ([0-9.]+).*/\1/' >> "$tmp/infer_$side"
    "$dir/audiolottery" bench-infer --checkpoint "$ckpt" --seconds 10 --repeats 5 --threads 1 --format csr \
      --torch-script /nonexistent > "$tmp/bi.txt"
    awk '$1 == "ours" && $2 == "dense" { print $3 }' "$tmp/bi.txt" >> "$tmp/dense_$side"
    awk '$1 == "ours" && $2 == "sparse" { print $3 }' "$tmp/bi.txt" >> "$tmp/sparse_$side"
  done
done
printf '%-34s %12s %12s %10s\n' "measure (median of $rounds)" old new new/old
for m in "train:training audio-s/s (batch 16 x 4 s, 2 thr)" "infer:inference RTF (batch 1, 1 thr)" \
  "dense:bench-infer dense s (10 s, 1 thr)" "sparse:bench-infer csr s (10 s, 1 thr)"; do
  key=${m%%:*} label=${m#*:}
  a=$(median < "$tmp/${key}_old") b=$(median < "$tmp/${key}_new")
  printf '%-34s %12s %12s %10s\n' "$label" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"
done
