"""Pruned copies of a dense checkpoint for the inference benchmarks (docs/PERFORMANCE.md), not
lottery tickets: every prunable tensor keeps the same share, chosen layer-wise by magnitude.

  /usr/bin/python3 tools/prune_checkpoint.py DENSE.safetensors unstructured|block8x1 KEEP OUT.safetensors

unstructured keeps the largest |w|; block8x1 keeps the 8 x 1 blocks (8 consecutive output rows of
one input column, the tensor viewed as (rows, rest)) with the largest L1 norm. Pruned weights
are set to 0 and the masks written as <name>_mask U8 tensors.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from st_io import read_safetensors, write_safetensors  # noqa: E402


def prunable(name):
    return name in ("conv.seq_module.0.weight", "conv.seq_module.3.weight", "fc.0.module.1.weight") or \
        ".rnn.weight_" in name


def keep_mask(w, kind, keep):
    """w (rows, cols) -> mask (rows, cols) keeping round(keep x units) units."""
    rows, cols = w.shape
    if kind == "unstructured":
        scores, block = np.abs(w), 1
    else:
        block = 8
        padded = np.zeros(((rows + 7) // 8 * 8, cols), np.float32)
        padded[:rows] = np.abs(w)
        scores = padded.reshape(-1, 8, cols).sum(1)  # (block rows, cols)
    order = np.argsort(-scores.ravel(), kind="stable")
    kept = np.zeros(scores.size, np.uint8)
    kept[order[:int(round(keep * scores.size))]] = 1
    kept = kept.reshape(scores.shape)
    return np.repeat(kept[:, None, :], block, axis=1).reshape(-1, cols)[:rows]


def main():
    src, kind, keep, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    if kind not in ("unstructured", "block8x1"):
        sys.exit(f"unknown structure {kind}: unstructured or block8x1")
    tensors, meta = read_safetensors(src)
    result = {k: v.numpy() for k, v in tensors.items() if not k.startswith("optimizer.")}
    for name in [k for k in result if prunable(k)]:
        w = result[name].astype(np.float32)
        mask = keep_mask(w.reshape(w.shape[0], -1), kind, keep).reshape(w.shape)
        result[name] = w * mask
        result[name + "_mask"] = mask.astype(np.uint8)
        print(f"{name}: {100 * mask.mean():.2f}% kept")
    write_safetensors(out, result, meta)


if __name__ == "__main__":
    main()
