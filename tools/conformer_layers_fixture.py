#!/usr/bin/python3
"""PyTorch reference fixture for the Conformer's element layers (tests/unit/test_conformer_layers.c).

Writes tests/data/layers/conformer_layers.safetensors (a few KB); every block has loss = sum(y * R) with a
random R, and gradients are named <tensor>.grad:
  ln.*    nn.LayerNorm(6, eps=1e-5) with random weight and bias on 7 rows.
  silu.*  nn.SiLU on (4, 10) values in [-12, 12] (both saturated ends).
  glu.*   torch.nn.functional.glu(x, dim=1) on (2, 8, 3) -> (2, 4, 3).
  dw.*    depthwise nn.Conv1d(5, 5, 7, groups=5, padding=3, bias=True) on N=2, T=9, stored CHANNEL-LAST:
          dw.x, dw.y, dw.R, dw.x.grad are (N, T, C) (torch runs on the (N, C, T) transpose); dw.weight (5, 1, 7).
  bn.*    BatchNorm1d(4) with masked statistics on x (N=2, C=4, T=6), lengths 6 and 4 (bn.keep (2, 6), 1 = kept,
          stored as float 0/1), the ESPnet way: the statistics come from the kept positions only, written out
          explicitly below (and checked against nn.BatchNorm1d on the kept (M, C) rows); outputs at padded
          positions are 0. A training step (bn.y, bn.*.grad, running statistics after it), then eval mode with
          the updated running statistics (bn.eval.*, loss sum(y_eval * R_eval)).
Every tensor is float32.

Run with Debian's python3-torch (the python3 on PATH may lack torch):
  /usr/bin/python3 tools/conformer_layers_fixture.py [out.safetensors]
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20240917)
tensors = {}


def put(name, t):
    tensors[name] = t.detach().contiguous().to(torch.float32).clone()


def leaf(t):
    return t.detach().clone().requires_grad_(True)


# ---- LayerNorm(6) on 7 rows ----
ln = nn.LayerNorm(6, eps=1e-5)
with torch.no_grad():
    ln.weight.copy_(torch.rand(6) + 0.5)
    ln.bias.copy_(torch.randn(6) * 0.3)
x = leaf(torch.randn(7, 6) * 2 + 0.5)
y = ln(x)
R = torch.randn_like(y)
(y * R).sum().backward()
for k, v in {"x": x, "weight": ln.weight, "bias": ln.bias, "y": y, "R": R, "x.grad": x.grad,
             "weight.grad": ln.weight.grad, "bias.grad": ln.bias.grad}.items():
    put("ln." + k, v)

# ---- SiLU ----
x = leaf(torch.rand(4, 10) * 24 - 12)
y = nn.SiLU()(x)
R = torch.randn_like(y)
(y * R).sum().backward()
put("silu.x", x), put("silu.y", y), put("silu.R", R), put("silu.x.grad", x.grad)

# ---- GLU over dim 1 ----
x = leaf(torch.randn(2, 8, 3) * 2)
y = F.glu(x, dim=1)
R = torch.randn_like(y)
(y * R).sum().backward()
put("glu.x", x), put("glu.y", y), put("glu.R", R), put("glu.x.grad", x.grad)

# ---- depthwise Conv1d(5, 5, 7, groups=5, padding=3), channel-last in the file ----
N, T, C, K = 2, 9, 5, 7
conv = nn.Conv1d(C, C, K, groups=C, padding=(K - 1) // 2, bias=True)
xl = leaf(torch.randn(N, T, C))  # channel-last (N, T, C)
y = conv(xl.transpose(1, 2)).transpose(1, 2)  # (N, T, C)
R = torch.randn_like(y)
(y * R).sum().backward()
assert conv.weight.shape == (C, 1, K)
for k, v in {"x": xl, "weight": conv.weight, "bias": conv.bias, "y": y, "R": R, "x.grad": xl.grad,
             "weight.grad": conv.weight.grad, "bias.grad": conv.bias.grad}.items():
    put("dw." + k, v)

# ---- BatchNorm1d(4) with masked statistics (ESPnet / NeMo: padded frames out of the statistics) ----
N, C, T, eps, momentum = 2, 4, 6, 1e-5, 0.1
lengths = [6, 4]
keep = torch.zeros(N, T, dtype=torch.bool)
for n, length in enumerate(lengths):
    keep[n, :length] = True
weight = leaf(torch.rand(C) + 0.5)
bias = leaf(torch.randn(C) * 0.3)
running_mean0 = torch.randn(C) * 0.2
running_var0 = torch.rand(C) + 0.5
x = leaf(torch.randn(N, C, T) * 1.5 + 0.7)  # padded positions hold values that must not count


def masked_bn_train(x, keep, weight, bias, running_mean, running_var):
    """Reference: statistics over the kept positions; returns y (zeros at padding) and the new running stats."""
    xk = x.transpose(1, 2)[keep]  # (M, C): the kept frames
    m = xk.shape[0]
    mean = xk.mean(0)
    var = ((xk - mean) ** 2).sum(0) / m  # biased, for normalising
    yk = (xk - mean) / torch.sqrt(var + eps) * weight + bias
    y = torch.zeros(N, T, C, dtype=x.dtype).index_put((keep,), yk).transpose(1, 2)  # (N, C, T)
    with torch.no_grad():
        unbiased = var * m / (m - 1)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * unbiased
    return y, new_mean, new_var


y, running_mean, running_var = masked_bn_train(x, keep, weight, bias, running_mean0, running_var0)
# the explicit reference is nn.BatchNorm1d on the kept rows
check = nn.BatchNorm1d(C, eps=eps, momentum=momentum)
with torch.no_grad():
    check.weight.copy_(weight), check.bias.copy_(bias)
    check.running_mean.copy_(running_mean0), check.running_var.copy_(running_var0)
    yk = check(x.transpose(1, 2)[keep])
    assert torch.allclose(yk, y.transpose(1, 2)[keep], atol=1e-5)
    assert torch.allclose(check.running_mean, running_mean, atol=1e-6)
    assert torch.allclose(check.running_var, running_var, atol=1e-6)
    assert (y.transpose(1, 2)[~keep] == 0).all()
R = torch.randn_like(y)
(y * R).sum().backward()
assert (x.grad.transpose(1, 2)[~keep] == 0).all()
for k, v in {"x": x, "keep": keep.to(torch.float32), "weight": weight, "bias": bias,
             "running_mean.before": running_mean0, "running_var.before": running_var0, "y": y, "R": R,
             "running_mean": running_mean, "running_var": running_var, "x.grad": x.grad,
             "weight.grad": weight.grad, "bias.grad": bias.grad}.items():
    put("bn." + k, v)

# eval mode: the updated running statistics, padded outputs 0 and without gradient
xe, we, be = leaf(x), leaf(weight), leaf(bias)
ye = ((xe - running_mean[None, :, None]) / torch.sqrt(running_var[None, :, None] + eps) * we[None, :, None]
      + be[None, :, None]) * keep[:, None, :]
Re = torch.randn_like(ye)
(ye * Re).sum().backward()
for k, v in {"y": ye, "R": Re, "x.grad": xe.grad, "weight.grad": we.grad, "bias.grad": be.grad}.items():
    put("bn.eval." + k, v)

# ---- safetensors by hand: u64 LE header length, JSON header, raw little-endian data ----
header, blobs, offset = {}, [], 0
for name, t in tensors.items():
    raw = struct.pack("<%df" % t.numel(), *t.flatten().tolist())
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
header["__metadata__"] = {"generator": "tools/conformer_layers_fixture.py", "torch": torch.__version__}
hjson = json.dumps(header, separators=(",", ":")).encode()
hjson += b" " * (-len(hjson) % 8)
out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/layers/conformer_layers.safetensors"
with open(out, "wb") as fp:
    fp.write(struct.pack("<Q", len(hjson)) + hjson + b"".join(blobs))
print("wrote", out, 8 + len(hjson) + offset, "bytes")
