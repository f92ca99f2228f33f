#!/usr/bin/env bash
# Conformer interoperability with PyTorch (needs Debian's python3-torch and torchaudio; skipped with
# code 77 without them): a checkpoint we train loads into the PyTorch reference with strict=True and
# gives the log-probabilities `audiolottery logits` gives.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}" "${AL_SOURCE_DIR:?}"
/usr/bin/python3 -c 'import torch, torchaudio' 2>/dev/null || { echo "python3-torch/torchaudio missing: skipped"; exit 77; }
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
mapfile -t audio < <(find "$AL_TINY_CORPUS/test-clean" -name '*.flac' | sort | head -4)
"$AL_CLI" features --type logmel "${audio[@]}" --out "$AL_TMP/feats.safetensors"
"$AL_CLI" train --train "$AL_TINY_CORPUS/train" --model conformer-tiny --epochs 1 --batch-size 8 --quiet \
  --warmup-steps 4 --out "$AL_TMP/run" 2>/dev/null
"$AL_CLI" logits --checkpoint "$AL_TMP/run/last.safetensors" --features "$AL_TMP/feats.safetensors" \
  --out "$AL_TMP/ours.safetensors"
/usr/bin/python3 "$AL_SOURCE_DIR/tools/conformer_interop.py" load-ours "$AL_TMP/run/last.safetensors" \
  "$AL_TMP/feats.safetensors" "$AL_TMP/ours.safetensors"
echo "conformer torch interop: passed"
