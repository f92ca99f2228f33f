"""Checkpoint interoperability with PyTorch (dev-only; Debian's python3-torch).

  torch_interop.py load-ours CKPT FEATURES LOGPROBS
      Loads our checkpoint into the reference DeepSpeech2 (tools/ds2_reference.py) the way a PyTorch
      user would, runs it in eval mode on every (bins, frames) tensor of FEATURES and compares the
      log-probabilities with LOGPROBS (written by `audiolottery logits --features FEATURES`).
      Exits non-zero if any differs by more than 1e-4 absolute.

  torch_interop.py export-torch OUT.safetensors [--conv C --layers L --hidden H --seed S]
      Writes a freshly initialised PyTorch DeepSpeech2 state_dict (num_batches_tracked included, no
      metadata), as a PyTorch user would save one, for `audiolottery logits` to read.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import ds2_reference as ref  # noqa: E402
from st_io import read_safetensors, write_safetensors  # noqa: E402


def load_ours(args):
    tensors, meta = read_safetensors(args.ckpt)
    # What a PyTorch user writes (with the safetensors package: state = load_file(path)):
    state = {k: v for k, v in tensors.items() if not k.startswith("optimizer.") and not k.endswith("_mask")}
    model = ref.DeepSpeech(conv_channels=state["conv.seq_module.0.weight"].shape[0],
                           hidden_layers=sum(1 for k in state if k.endswith(".rnn.weight_ih_l0")),
                           hidden_size=state["rnns.0.rnn.weight_hh_l0"].shape[1])
    model.load_state_dict(state, strict=True)
    model.eval()
    features, _ = read_safetensors(args.features)
    ours, _ = read_safetensors(args.logprobs)
    worst = 0.0
    for name, feat in features.items():
        x = feat.float()[None, None]  # (1, 1, bins, frames)
        with torch.no_grad():
            logits, _ = model(x, torch.tensor([feat.shape[1]], dtype=torch.int32))
        theirs = logits[:, 0].log_softmax(-1)
        diff = (theirs - ours[name]).abs().max().item()
        worst = max(worst, diff)
        print(f"{name}: {tuple(theirs.shape)} max abs diff {diff:.2e}")
    print(f"worst {worst:.2e}")
    return 0 if worst <= 1e-4 else 1


def export_torch(args):
    torch.manual_seed(args.seed)
    model = ref.DeepSpeech(conv_channels=args.conv, hidden_layers=args.layers, hidden_size=args.hidden)
    # Non-trivial BatchNorm statistics, as a trained model would have.
    with torch.no_grad():
        for name, buf in model.named_buffers():
            if name.endswith("running_mean"):
                buf.uniform_(-0.5, 0.5)
            elif name.endswith("running_var"):
                buf.uniform_(0.5, 2.0)
    write_safetensors(args.out, model.state_dict())
    print(f"wrote {args.out}: conv {args.conv}, {args.layers} x {args.hidden}")
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("load-ours")
    a.add_argument("ckpt")
    a.add_argument("features")
    a.add_argument("logprobs")
    b = sub.add_parser("export-torch")
    b.add_argument("out")
    b.add_argument("--conv", type=int, default=8)
    b.add_argument("--layers", type=int, default=2)
    b.add_argument("--hidden", type=int, default=24)
    b.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    return load_ours(args) if args.cmd == "load-ours" else export_torch(args)


if __name__ == "__main__":
    sys.exit(main())
