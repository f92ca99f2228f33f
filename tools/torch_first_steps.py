"""Batch losses of the PyTorch reference's first training steps from given initial weights, to
compare step by step with `audiolottery train` (docs/EXPERIMENTS.md §1; dev-only, Debian's
python3-torch and python3-torchaudio):

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 tools/torch_first_steps.py \
      PLAN.json START.safetensors [STEPS=4] [MODEL=ds2-small]

PLAN.json: `audiolottery corpus TRAIN --plan`; START: the start.safetensors of an `audiolottery
train` run. Trains the plan's first STEPS batches of epoch 1 with the recipe of
tools/torch_train_reference.py and prints each batch's loss and gradient norm (before clipping).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import ds2_reference as ref  # noqa: E402
import torch_train_reference as trainer  # noqa: E402
from st_io import read_safetensors  # noqa: E402


def main():
    plan_path, start_path = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    torch.set_num_threads(1)
    plan = json.load(open(plan_path))
    model = ref.build(sys.argv[4] if len(sys.argv) > 4 else "ds2-small")
    start, _ = read_safetensors(start_path)
    model.load_state_dict({k: start[k] for k in model.state_dict()}, strict=True)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-5)
    for b in range(steps):
        utts = [plan["utterances"][i] for i in plan["epochs"][0][b]]
        feats, texts = trainer.load_features(utts), [u["text"] for u in utts]
        x, lengths, targets, target_lengths = trainer.make_batch(feats, texts, list(range(len(utts))))
        opt.zero_grad()
        logits, out_len = model(x, lengths)
        loss = ref.ctc_losses(logits, out_len, targets, target_lengths).sum() / len(utts)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 400)
        opt.step()
        print(f"step {b + 1}: loss {loss.item():.4f}, gradient norm {norm.item():.2f}", flush=True)


if __name__ == "__main__":
    main()
