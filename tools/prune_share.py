"""What one-shot global magnitude pruning would keep of each conv weight (the layer-collapse check of
docs/EXPERIMENTS.md §3), for any of our checkpoints:

  /usr/bin/python3 tools/prune_share.py CKPT.safetensors [CKPT ...]
  /usr/bin/python3 tools/prune_share.py --run RUN_DIR

The pool is every prunable weight of DS2 (both conv weights, every LSTM weight, the output
linear), as audiolottery's global scope; for each kept share it prints the share of each conv
weight above the global magnitude threshold. With --run, for each trunk level of a lottery run
(its trained weights last.safetensors and its mask.safetensors) it prints what one global 20%
step among the alive weights would keep of each conv weight's alive weights: what iterative
global pruning would have done at that level (the run itself may have pruned the convs on their
own), and the product of those shares over the levels.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import st_io  # noqa: E402

CONVS = ("conv.seq_module.0.weight", "conv.seq_module.3.weight")


def prunable(name):
    return name in CONVS or (name.startswith("rnns.") and ".rnn.weight_" in name) or name == "fc.0.module.1.weight"


def tensors_of(path):
    read = st_io.read_safetensors(path)
    return read[0] if isinstance(read, tuple) else read


def iterative(run_dir, fraction=0.2):
    survive = {k: 1.0 for k in CONVS}
    level = 0
    while os.path.exists(os.path.join(run_dir, f"level_{level:02d}", "report.json")):
        d = os.path.join(run_dir, f"level_{level:02d}")
        w, m = tensors_of(os.path.join(d, "last.safetensors")), tensors_of(os.path.join(d, "mask.safetensors"))
        alive = {k: np.asarray(m[k + "_mask"]).astype(bool) for k in w if prunable(k)}
        pool = np.concatenate([np.abs(np.asarray(w[k], dtype=np.float32))[alive[k]] for k in alive])
        threshold = np.sort(pool)[::-1][int(round((1 - fraction) * pool.size)) - 1]
        shares = []
        for k in CONVS:
            a = np.abs(np.asarray(w[k], dtype=np.float32))[alive[k]]
            share = np.mean(a >= threshold)
            survive[k] *= share
            shares.append(f"{k} {100 * share:.2f}% (product {100 * survive[k]:.2f}%)")
        print(f"level {level}: a global {100 * fraction:.0f}% step keeps " + ", ".join(shares))
        level += 1


def main():
    if sys.argv[1:2] == ["--run"]:
        iterative(sys.argv[2])
        return
    for path in sys.argv[1:]:
        tensors = tensors_of(path)
        pool = np.concatenate([np.abs(np.asarray(v, dtype=np.float32)).ravel()
                               for k, v in tensors.items() if prunable(k)])
        ranked = np.sort(pool)[::-1]
        for keep in (0.8, 0.512, 0.328, 0.21, 0.107):
            threshold = ranked[int(round(keep * pool.size)) - 1]
            shares = ", ".join(f"{k} {100 * np.mean(np.abs(np.asarray(tensors[k])) >= threshold):.2f}%" for k in CONVS)
            print(f"{path}: global to {100 * keep:.1f}% keeps {shares}")


if __name__ == "__main__":
    main()
