"""Reference trajectories of torch.optim.AdamW and SGD(nesterov) with clip_grad_norm_, for
tests/unit/test_optim.c. Run with Debian's python3 (python3-torch): /usr/bin/python3 tools/gen_optim_fixture.py

Writes tests/data/optim/optim_fixture.safetensors:
  p{k}.init                  initial values of parameter k
  p{k}.grad.s{i}             the raw gradient given at step i (before clipping)
  {adamw,sgd}.p{k}.s{i}      parameter k after step i
  {adamw,sgd}.norm.s{i}      (1,) gradient norm returned by clip_grad_norm_ at step i
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from st_io import write_safetensors  # noqa: E402

STEPS = 6
SHAPES = [(5, 7), (13,), (3, 2, 4)]
MAX_NORM = 2.0  # small enough that clipping is active on some steps and not on others


def main():
    torch.manual_seed(1234)
    out = {}
    inits = [torch.randn(s) for s in SHAPES]
    grads = [[torch.randn(s) * (0.2 + 0.3 * i) for s in SHAPES] for i in range(STEPS)]
    for k, p in enumerate(inits):
        out[f"p{k}.init"] = p
    for i in range(STEPS):
        for k in range(len(SHAPES)):
            out[f"p{k}.grad.s{i}"] = grads[i][k]
    for name in ("adamw", "sgd"):
        params = [torch.nn.Parameter(p.clone()) for p in inits]
        if name == "adamw":
            opt = torch.optim.AdamW(params, lr=3e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)
        else:
            opt = torch.optim.SGD(params, lr=3e-2, momentum=0.9, nesterov=True, weight_decay=1e-2)
        for i in range(STEPS):
            for p, g in zip(params, grads[i]):
                p.grad = g.clone()
            norm = torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
            opt.step()
            out[f"{name}.norm.s{i}"] = norm.reshape(1)
            for k, p in enumerate(params):
                out[f"{name}.p{k}.s{i}"] = p.detach().clone()
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "optim", "optim_fixture.safetensors")
    write_safetensors(path, out, {"torch": torch.__version__, "max_norm": MAX_NORM, "steps": STEPS})
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
