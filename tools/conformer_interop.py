"""Conformer checkpoint interoperability with PyTorch (dev-only; Debian's python3-torch + torchaudio).

  conformer_interop.py load-ours CKPT FEATURES LOGPROBS
      Loads our Conformer checkpoint into the reference (tools/conformer_reference.py) the way a PyTorch
      user would (strict=True; the sizes from the checkpoint's "model" metadata), runs it in eval mode on
      every (80, frames) log-mel tensor of FEATURES and compares the log-probabilities with LOGPROBS
      (written by `audiolottery logits --features FEATURES`). Exits non-zero above 1e-4 absolute.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import conformer_reference as ref  # noqa: E402
from st_io import read_safetensors  # noqa: E402


def load_ours(ckpt, features_path, logprobs_path):
    tensors, meta = read_safetensors(ckpt)
    cfg = json.loads(meta["model"])
    # What a PyTorch user writes (with the safetensors package: state = load_file(path)):
    state = {k: v for k, v in tensors.items() if not k.startswith("optimizer.") and not k.endswith("_mask")}
    model = ref.ConformerCTC(cfg["d"], cfg["heads"], cfg["ffn"], cfg["layers"], cfg["kernel"],
                             classes=cfg["n_classes"])
    model.load_state_dict(state, strict=True)
    model.eval()
    features, _ = read_safetensors(features_path)
    ours, _ = read_safetensors(logprobs_path)
    worst = 0.0
    for name, feat in features.items():
        x = feat.float().t()[None]  # (1, frames, 80)
        with torch.no_grad():
            lp, _ = model(x, torch.tensor([feat.shape[1]]))
        theirs = lp[:, 0]
        diff = (theirs - ours[name]).abs().max().item()
        worst = max(worst, diff)
        print(f"{name}: {tuple(theirs.shape)} max abs diff {diff:.2e}")
    print(f"worst {worst:.2e}")
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "load-ours":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(load_ours(*sys.argv[2:]))
