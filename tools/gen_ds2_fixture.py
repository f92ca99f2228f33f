"""Parity fixture for the C DeepSpeech2: builds ds2-tiny in PyTorch (tools/ds2_reference.py), runs
a variable-length batch through it and records everything the C tests compare.
Run with Debian's python3: /usr/bin/python3 tools/gen_ds2_fixture.py

Writes tests/data/ds2/ds2_tiny_fixture.safetensors:
  <state_dict name>          initial weights and BatchNorm buffers (PyTorch names)
  input                      (N, 1, 161, T_max) zero-padded features
  input_lengths              (N,) I32 frames;  output_lengths (N,) I32
  targets                    (sum of target lengths,) I32, labels 1..28;  target_lengths (N,) I32
  logits                     (T_out, N, 29) training-mode output at the initial weights
  losses                     (N,) per-utterance CTC losses (blank 0) of those logits
  grad.<param name>          d(sum(losses) / N)/d(param), deepspeech.pytorch's training loss
  after1.<buffer name>       BatchNorm running statistics after that one training forward
  The single-step tensors (logits, losses, grad.*, after1.*) are computed by the same model in
  float64 from the float32 weights and input, then stored as float32: PyTorch's own float32
  accumulation error in the conv weight gradients (sums over thousands of positions) is ~1e-5
  absolute, as large as the tolerance, so a float32 reference would measure PyTorch's rounding
  rather than ours (ours is ~10x closer to the float64 values).
  adamw_losses               (STEPS,) batch losses of STEPS AdamW steps on the same batch
                             (clip_grad_norm_ 400, weight decay 1e-5, lr in metadata)
  final.<param name>         parameters after the STEPS steps
  eval_logits                (T_out, N, 29) eval-mode output after the STEPS steps
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import ds2_reference as ref  # noqa: E402
from st_io import write_safetensors  # noqa: E402

STEPS = 20
LR = 1e-3
INPUT_LENGTHS = [50, 37, 23]
TARGET_LENGTHS = [8, 5, 3]


def main():
    torch.manual_seed(20221)
    model = ref.build("ds2-tiny")
    out = {}
    for name, value in model.state_dict().items():
        out[name] = value.clone()

    n, t_max = len(INPUT_LENGTHS), max(INPUT_LENGTHS)
    x = torch.zeros(n, 1, 161, t_max)
    for i, length in enumerate(INPUT_LENGTHS):
        x[i, 0, :, :length] = torch.randn(161, length)
    lengths = torch.tensor(INPUT_LENGTHS, dtype=torch.int32)
    targets = torch.randint(1, len(ref.LABELS), (sum(TARGET_LENGTHS),), dtype=torch.int32)
    target_lengths = torch.tensor(TARGET_LENGTHS, dtype=torch.int32)
    out.update(input=x, input_lengths=lengths, targets=targets, target_lengths=target_lengths)

    model64 = ref.build("ds2-tiny")
    model64.load_state_dict(model.state_dict())
    model64 = model64.double()
    model64.train()
    logits, out_lengths = model64(x.double(), lengths)
    losses = ref.ctc_losses(logits, out_lengths, targets, target_lengths)
    loss = losses.sum() / n
    loss.backward()
    out.update(logits=logits.detach().float(), output_lengths=out_lengths.int(), losses=losses.detach().float())
    for name, p in model64.named_parameters():
        out["grad." + name] = p.grad.float()
    for name, b in model64.named_buffers():
        out["after1." + name] = b.float() if b.is_floating_point() else b.clone()

    # STEPS AdamW steps from the initial state on the same batch (fresh model, same weights).
    model = ref.build("ds2-tiny")
    model.load_state_dict({k: v for k, v in out.items() if k in model.state_dict()})
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-5)
    step_losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        logits, out_lengths = model(x, lengths)
        loss = ref.ctc_losses(logits, out_lengths, targets, target_lengths).sum() / n
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 400)
        opt.step()
        step_losses.append(loss.item())
    out["adamw_losses"] = torch.tensor(step_losses)
    for name, p in model.named_parameters():
        out["final." + name] = p.detach().clone()
    model.eval()
    with torch.no_grad():
        out["eval_logits"], _ = model(x, lengths)

    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "ds2", "ds2_tiny_fixture.safetensors")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_safetensors(path, out, {"torch": torch.__version__, "preset": "ds2-tiny", "lr": LR, "steps": STEPS})
    print("wrote", os.path.normpath(path), "losses", [round(v, 4) for v in step_losses[:3]], "...",
          round(step_losses[-1], 4))


if __name__ == "__main__":
    main()
