#!/usr/bin/python3
"""Generates the LSTM parity fixture tests/data/lstm/reference.safetensors (dev-only; needs torch,
e.g. Debian's python3-torch: run with /usr/bin/python3).

deepspeech.pytorch's BatchRNN on a padded, unsorted batch: pack_padded_sequence(x, lengths,
enforce_sorted=False) -> nn.LSTM(IN, H, bias=True, bidirectional) -> pad_packed_sequence(
total_length=T), the two directions summed (view(T, N, 2, H).sum(2)). Loss = sum(y * R).
For each model <m> in {bi, uni} the file holds (all F32 except lengths):
  x (T, N, IN)   lengths (N) I32   R (T, N, H)          shared inputs; padded x is nonzero
  <m>.<p>        nn.LSTM parameters: weight_ih_l0 (4H, IN), weight_hh_l0 (4H, H), bias_ih_l0 (4H),
                 bias_hh_l0 (4H), and with _reverse for the reverse direction of "bi"
  <m>.y (T, N, H)   <m>.grad.<p>   <m>.grad.x (T, N, IN)

Usage: /usr/bin/python3 tools/lstm_fixture.py [OUT_DIR]   (default tests/data/lstm)
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

T, N, IN, H = 9, 4, 6, 5
LENGTHS = [5, 9, 2, 7]


def run(bidirectional, x, lengths, R):
    """Returns {name: array} with the parameters, y and the gradients of sum(y * R)."""
    lstm = torch.nn.LSTM(IN, H, bias=True, bidirectional=bidirectional)
    x = x.clone().requires_grad_(True)
    packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
    out, _ = lstm(packed)
    out, _ = pad_packed_sequence(out, total_length=T)
    y = out.view(T, N, 2, H).sum(2) if bidirectional else out
    (y * R).sum().backward()
    tensors = {"y": y.detach()}
    for name, p in lstm.named_parameters():
        tensors[name] = p.detach()
        tensors["grad." + name] = p.grad
    tensors["grad.x"] = x.grad
    return {k: v.numpy() for k, v in tensors.items()}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        dtype = {np.dtype("float32"): "F32", np.dtype("int32"): "I32"}[arr.dtype]
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/data/lstm"
    torch.manual_seed(0)
    x = torch.randn(T, N, IN)  # padded positions too: they must not matter
    R = torch.randn(T, N, H)
    lengths = torch.tensor(LENGTHS, dtype=torch.int64)
    tensors = {"x": x.numpy(), "lengths": np.array(LENGTHS, dtype=np.int32), "R": R.numpy()}
    for model, bidirectional in (("bi", True), ("uni", False)):
        for k, v in run(bidirectional, x, lengths, R).items():
            tensors[model + "." + k] = v
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "reference.safetensors")
    write_safetensors(path, tensors)
    print(f"wrote {path}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
