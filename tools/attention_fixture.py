#!/usr/bin/python3
"""PyTorch reference fixture for multi-head self-attention (tests/unit/test_attention.c).

Writes tests/data/layers/attention.safetensors (a few KB): torch.nn.MultiheadAttention(8, 2,
bias=True) used as torchaudio.models.Conformer 0.13 uses it, as self-attention on x (T, N, d)
(batch_first=False) with a key_padding_mask, no dropout (dropout=0), random weights and biases:
  x           (N=3, T=6, d=8) batch-major, as the C layer takes it (MHA sees x.transpose(0, 1))
  lengths     (3) I32: 6, 4, 1; keys at t >= lengths[n] are masked (key_padding_mask True)
  in_proj_weight (24, 8), in_proj_bias (24), out_proj.weight (8, 8), out_proj.bias (8)
  R           (N, T, d) random; loss = sum(y * R) over ALL positions, padded queries too
  y           (N, T, d) the attention output
  <tensor>.grad  dL/d of x, in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias
Every float tensor is float32.

Run with Debian's python3-torch (the python3 on PATH may lack torch):
  /usr/bin/python3 tools/attention_fixture.py [out.safetensors]
"""
import json
import struct
import sys

import torch
import torch.nn as nn

torch.manual_seed(20240917)
N, T, D, HEADS = 3, 6, 8, 2
lengths = [6, 4, 1]

mha = nn.MultiheadAttention(D, HEADS, dropout=0.0, bias=True)
with torch.no_grad():  # default init has zero biases: make every parameter matter
    mha.in_proj_weight.copy_(torch.randn(3 * D, D) * 0.5)
    mha.in_proj_bias.copy_(torch.randn(3 * D) * 0.3)
    mha.out_proj.weight.copy_(torch.randn(D, D) * 0.4)
    mha.out_proj.bias.copy_(torch.randn(D) * 0.3)
mha.train()  # dropout 0: training mode has no randomness, and grad mode keeps the slow (reference) path

x = (torch.randn(N, T, D) * 1.5).requires_grad_(True)
key_padding_mask = torch.arange(T)[None, :] >= torch.tensor(lengths)[:, None]  # (N, T), True = padded
xt = x.transpose(0, 1)  # (T, N, d), as Conformer's ConformerLayer feeds it
yt, _ = mha(query=xt, key=xt, value=xt, key_padding_mask=key_padding_mask, need_weights=False)
y = yt.transpose(0, 1)  # (N, T, d)
R = torch.randn(N, T, D)
(y * R).sum().backward()
assert torch.isfinite(y).all()

tensors = {
    "x": x, "lengths": torch.tensor(lengths, dtype=torch.int32),
    "in_proj_weight": mha.in_proj_weight, "in_proj_bias": mha.in_proj_bias,
    "out_proj.weight": mha.out_proj.weight, "out_proj.bias": mha.out_proj.bias,
    "R": R, "y": y,
    "x.grad": x.grad, "in_proj_weight.grad": mha.in_proj_weight.grad, "in_proj_bias.grad": mha.in_proj_bias.grad,
    "out_proj.weight.grad": mha.out_proj.weight.grad, "out_proj.bias.grad": mha.out_proj.bias.grad,
}

# ---- safetensors by hand: u64 LE header length, JSON header, raw little-endian data ----
header, blobs, offset = {}, [], 0
for name, t in tensors.items():
    t = t.detach().contiguous()
    if t.dtype == torch.int32:
        raw, dtype = struct.pack("<%di" % t.numel(), *t.flatten().tolist()), "I32"
    else:
        raw, dtype = struct.pack("<%df" % t.numel(), *t.to(torch.float32).flatten().tolist()), "F32"
    header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
header["__metadata__"] = {"generator": "tools/attention_fixture.py", "torch": torch.__version__}
hjson = json.dumps(header, separators=(",", ":")).encode()
hjson += b" " * (-len(hjson) % 8)
out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/layers/attention.safetensors"
with open(out, "wb") as fp:
    fp.write(struct.pack("<Q", len(hjson)) + hjson + b"".join(blobs))
print("wrote", out, 8 + len(hjson) + offset, "bytes")
