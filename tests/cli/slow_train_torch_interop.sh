#!/usr/bin/env bash
# PyTorch interoperability (needs Debian's python3-torch; skipped with code 77 without it):
# a checkpoint we train loads into the PyTorch reference model with strict=True and gives the same
# log-probabilities as `audiolottery logits`; a state_dict written by PyTorch (other sizes than the
# presets, no metadata) is read by `audiolottery logits` and gives PyTorch's log-probabilities.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}" "${AL_SOURCE_DIR:?}"
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "python3-torch not installed: skipped"; exit 77; }
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
py() { /usr/bin/python3 "$AL_SOURCE_DIR/tools/torch_interop.py" "$@"; }
mapfile -t audio < <(find "$AL_TINY_CORPUS/test-clean" -name '*.flac' | sort | head -4)
"$AL_CLI" features "${audio[@]}" --out "$AL_TMP/feats.safetensors"

"$AL_CLI" train --train "$AL_TINY_CORPUS/train" --model ds2-tiny --epochs 1 --batch-size 8 --quiet \
  --out "$AL_TMP/run" 2>/dev/null
"$AL_CLI" logits --checkpoint "$AL_TMP/run/last.safetensors" --features "$AL_TMP/feats.safetensors" \
  --out "$AL_TMP/ours.safetensors"
py load-ours "$AL_TMP/run/last.safetensors" "$AL_TMP/feats.safetensors" "$AL_TMP/ours.safetensors"

py export-torch "$AL_TMP/torch_state.safetensors" --conv 8 --layers 2 --hidden 24
"$AL_CLI" logits --checkpoint "$AL_TMP/torch_state.safetensors" --features "$AL_TMP/feats.safetensors" \
  --out "$AL_TMP/from_torch.safetensors"
py load-ours "$AL_TMP/torch_state.safetensors" "$AL_TMP/feats.safetensors" "$AL_TMP/from_torch.safetensors"
"$AL_CLI" info "$AL_TMP/torch_state.safetensors" | grep -q 'conv channels 8, 2 bidirectional LSTM layers of 24'
echo "torch interop: all checks passed"
