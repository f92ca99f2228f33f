#!/usr/bin/env bash
# The PyTorch reference trainer (tools/torch_train_reference.py) computes the same DS2 features
# from the corpus's FLAC files as `audiolottery features` (needs Debian's python3-torch and
# python3-torchaudio; skipped with code 77 without them). Guards against torchaudio returning
# FLAC samples already scaled to [-1, 1) while WAV ones stay integers, which once fed the
# reference spectrograms 32767 times too quiet.
set -euo pipefail
: "${AL_CLI:?}" "${AL_TMP:?}" "${AL_TINY_CORPUS:?}" "${AL_SOURCE_DIR:?}"
/usr/bin/python3 -c 'import torch, torchaudio' 2>/dev/null || { echo "python3-torch(audio) not installed: skipped"; exit 77; }
rm -rf "$AL_TMP"; mkdir -p "$AL_TMP"
mapfile -t audio < <(find "$AL_TINY_CORPUS/train" -name '*.flac' | sort | head -3)
[[ ${#audio[@]} -eq 3 ]] || { echo "FAIL: no FLAC files in the tiny corpus" >&2; exit 1; }
"$AL_CLI" features "${audio[@]}" --out "$AL_TMP/ours.safetensors"
/usr/bin/python3 - "$AL_SOURCE_DIR/tools" "$AL_TMP/ours.safetensors" "${audio[@]}" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
from st_io import read_safetensors
import torch_train_reference as ref
ours = read_safetensors(sys.argv[2])[0]
worst = 0.0
for path in sys.argv[3:]:
    a = ours[os.path.splitext(os.path.basename(path))[0]]
    b = ref.spectrogram(path, 0, 0)
    assert a.shape == b.shape, f"{path}: shapes {tuple(a.shape)} vs {tuple(b.shape)}"
    worst = max(worst, (a - b).abs().max().item())
print(f"largest difference {worst:.2e}")
if worst > 1e-4:
    sys.exit(f"FAIL: the reference trainer's features differ from ours by {worst:.3g}")
PY
echo "torch reference features: all checks passed"
