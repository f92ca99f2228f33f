#!/usr/bin/python3
"""PyTorch reference fixture for the nn layers (tests/unit/test_conv2d.c, test_batchnorm.c).

Writes tests/data/layers/layers.safetensors (a few KB) with:
  block.*  deepspeech.pytorch's conv front in miniature: Conv2d(2, 3, (5, 3), stride (2, 1),
           padding (2, 1)) + BatchNorm2d(3) + Hardtanh(0, 20), each followed by the MaskConv mask,
           in training mode, on 2 samples of 10 and 7 frames; loss = sum(y * R).
  seq.*    sequence-wise BatchNorm1d(5) on (T=6, N=2, F=5) viewed as (T * N, F), then
           Linear(5, 4, bias=False); training step, then eval mode with the updated statistics.
Every tensor is float32; gradients are named <tensor>.grad.

Run with Debian's python3-torch (the python3 on PATH may lack torch):
  /usr/bin/python3 tools/layers_fixture.py [out.safetensors]
"""
import json
import struct
import sys

import torch
import torch.nn as nn

torch.manual_seed(20240611)
tensors = {}


def put(name, t):
    tensors[name] = t.detach().contiguous().to(torch.float32).clone()


def mask(x, lengths):  # deepspeech.pytorch MaskConv: zero frames >= length (last axis)
    m = torch.zeros_like(x, dtype=torch.bool)
    for i, length in enumerate(lengths):
        if x.size(3) - length > 0:
            m[i, :, :, length:] = True
    return x.masked_fill(m, 0)


# ---- conv block ----
conv = nn.Conv2d(2, 3, kernel_size=(5, 3), stride=(2, 1), padding=(2, 1))
bn = nn.BatchNorm2d(3)
with torch.no_grad():
    bn.weight.copy_(torch.rand(3) + 0.5)
    bn.bias.copy_(torch.tensor([0.1, -0.3, 19.5]))  # channel 2 crosses the upper clip at 20
    bn.running_mean.copy_(torch.randn(3) * 0.1)
    bn.running_var.copy_(torch.rand(3) + 0.5)
put("block.bn.running_mean.before", bn.running_mean)
put("block.bn.running_var.before", bn.running_var)
x = torch.randn(2, 2, 9, 10)
x[1, :, :, 7:] = 0  # sample 1 has 7 frames, zero padded
x.requires_grad_(True)
lengths = [10, 7]  # time: k 3, stride 1, pad 1 keeps the length
c = mask(conv(x), lengths)
z = mask(bn(c), lengths)
y = mask(nn.Hardtanh(0, 20)(z), lengths)
R = torch.randn_like(y)
(y * R).sum().backward()
put("block.x", x)
put("block.conv.weight", conv.weight)
put("block.conv.bias", conv.bias)
put("block.bn.weight", bn.weight)
put("block.bn.bias", bn.bias)
put("block.R", R)
put("block.y", y)
put("block.bn.running_mean", bn.running_mean)
put("block.bn.running_var", bn.running_var)
put("block.x.grad", x.grad)
put("block.conv.weight.grad", conv.weight.grad)
put("block.conv.bias.grad", conv.bias.grad)
put("block.bn.weight.grad", bn.weight.grad)
put("block.bn.bias.grad", bn.bias.grad)
assert (y >= 20).any() and (y == 0).any()

# ---- sequence-wise BatchNorm1d + Linear(bias=False) ----
T, N, F, O = 6, 2, 5, 4
bn1 = nn.BatchNorm1d(F)
fc = nn.Linear(F, O, bias=False)
with torch.no_grad():
    bn1.weight.copy_(torch.rand(F) + 0.5)
    bn1.bias.copy_(torch.randn(F) * 0.2)
put("seq.bn.running_mean.before", bn1.running_mean)
put("seq.bn.running_var.before", bn1.running_var)
xs = torch.randn(T, N, F)
xs[4:, 1, :] = 0  # sample 1 has 4 frames (pad_packed_sequence pads with zeros)
xs.requires_grad_(True)
h = bn1(xs.view(T * N, F)).view(T, N, F)
ys = fc(h)
Rs = torch.randn_like(ys)
(ys * Rs).sum().backward()
put("seq.x", xs)
put("seq.bn.weight", bn1.weight)
put("seq.bn.bias", bn1.bias)
put("seq.fc.weight", fc.weight)
put("seq.R", Rs)
put("seq.y", ys)
put("seq.bn.running_mean", bn1.running_mean)
put("seq.bn.running_var", bn1.running_var)
put("seq.x.grad", xs.grad)
put("seq.bn.weight.grad", bn1.weight.grad)
put("seq.bn.bias.grad", bn1.bias.grad)
put("seq.fc.weight.grad", fc.weight.grad)
bn1.eval()
with torch.no_grad():
    put("seq.y_eval", fc(bn1(xs.view(T * N, F)).view(T, N, F)))

# ---- safetensors by hand: u64 LE header length, JSON header, raw little-endian data ----
header, blobs, offset = {}, [], 0
for name, t in tensors.items():
    raw = struct.pack("<%df" % t.numel(), *t.flatten().tolist())
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
header["__metadata__"] = {"generator": "tools/layers_fixture.py", "torch": torch.__version__}
hjson = json.dumps(header, separators=(",", ":")).encode()
hjson += b" " * (-len(hjson) % 8)
out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/layers/layers.safetensors"
with open(out, "wb") as fp:
    fp.write(struct.pack("<Q", len(hjson)) + hjson + b"".join(blobs))
print("wrote", out, 8 + len(hjson) + offset, "bytes")
