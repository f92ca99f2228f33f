"""What one-shot global magnitude pruning would keep of each conv weight (the layer-collapse check of
docs/EXPERIMENTS.md §3), for any of our checkpoints:

  /usr/bin/python3 tools/prune_share.py CKPT.safetensors [CKPT ...]

The pool is every prunable weight of DS2 (both conv weights, every LSTM weight, the output
linear), as audiolottery's global scope; for each kept share it prints the share of each conv
weight above the global magnitude threshold.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import st_io  # noqa: E402

CONVS = ("conv.seq_module.0.weight", "conv.seq_module.3.weight")


def prunable(name):
    return name in CONVS or ".rnn.weight_" in name or name == "fc.0.module.1.weight"


def main():
    for path in sys.argv[1:]:
        read = st_io.read_safetensors(path)
        tensors = read[0] if isinstance(read, tuple) else read
        pool = np.concatenate([np.abs(np.asarray(v, dtype=np.float32)).ravel()
                               for k, v in tensors.items() if prunable(k)])
        ranked = np.sort(pool)[::-1]
        for keep in (0.8, 0.512, 0.328, 0.21, 0.107):
            threshold = ranked[int(round(keep * pool.size)) - 1]
            shares = ", ".join(f"{k} {100 * np.mean(np.abs(np.asarray(tensors[k])) >= threshold):.2f}%" for k in CONVS)
            print(f"{path}: global to {100 * keep:.1f}% keeps {shares}")


if __name__ == "__main__":
    main()
