"""Parity fixtures for the C Conformer-CTC (tests/unit/test_conformer_parity.c), from the PyTorch reference
(tools/conformer_reference.py). Run with Debian's python3: /usr/bin/python3 tools/gen_conformer_fixture.py

Writes tests/data/conformer/<name>.safetensors for conformer-tiny ("tiny") and a size in no preset
("other": d 48, 4 heads, ffn 96, 1 layer, kernel 7), each with metadata "model" (the C config JSON) and:
  <state_dict name>     weights with random LayerNorm/BatchNorm affine parameters, BatchNorm statistics and
                        attention biases (so that none is at its initial value); dropout 0
  x                     (B, 80, T) zero-padded features (the C layout); lengths (B,) I32
  targets, target_lengths  I32, labels 1..28
  single.<i>            (T'_i, 1, classes) eval-mode log-probs of utterance i alone through UNMODIFIED
                        torchaudio (the masked reference agrees on a batch of one)
  eval                  (T', B, classes) eval-mode log-probs of the padded batch, masked reference
  train                 (T', B, classes) training-mode log-probs, masked reference; losses (B,) CTC
  grad.<param name>     d(sum(losses) / B) / d param
  after1.<buffer name>  BatchNorm running statistics after that training forward
  steps                 (20,) batch losses of 20 Adam steps (betas 0.9/0.98, eps 1e-9, weight decay 1e-6,
                        Noam peak 1e-3 over 5 warm-up steps, gradient clipping 5) on the same batch
The single-step tensors and the steps are computed in float64 from the float32 weights and input and
stored as float32 (float32 PyTorch would measure its own rounding, not ours).
other_state_dict.safetensors: the "other" weights alone, no metadata, as torch.save of a state_dict converted
to safetensors would give (tests/cli/test_train_conformer.sh reads it with logits, eval and transcribe)."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import conformer_reference as ref  # noqa: E402
from st_io import write_safetensors  # noqa: E402

LENGTHS = [40, 31, 17]
TARGET_LENGTHS = [5, 4, 2]
STEPS, PEAK, WARMUP, CLIP = 20, 1e-3, 5, 5.0


def randomise(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or "sequential.0" in name and p.dim() == 1 or "sequential.3" in name:
                p.copy_(torch.rand_like(p) + 0.5 if name.endswith("weight") else torch.randn_like(p) * 0.1)
            elif name.endswith("in_proj_bias") or name.endswith("out_proj.bias"):
                p.copy_(torch.randn_like(p) * 0.1)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn_like(b) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand_like(b) + 0.5)


def ctc_losses(log_probs, out_lengths, targets, target_lengths):
    return torch.nn.functional.ctc_loss(log_probs, targets, out_lengths, target_lengths, blank=0,
                                        reduction="none", zero_infinity=False)


def make(name, d, heads, ffn, layers, kernel):
    torch.manual_seed(4242 + d)
    model = ref.ConformerCTC(d, heads, ffn, layers, kernel, dropout=0.0)
    randomise(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    out = {k: v for k, v in state.items()}
    b, t_max = len(LENGTHS), max(LENGTHS)
    x = torch.zeros(b, t_max, 80)
    for i, length in enumerate(LENGTHS):
        x[i, :length] = torch.randn(length, 80)
    lengths = torch.tensor(LENGTHS)
    targets = torch.randint(1, len(ref.LABELS), (sum(TARGET_LENGTHS),), dtype=torch.int32)
    target_lengths = torch.tensor(TARGET_LENGTHS, dtype=torch.int32)
    out.update(x=x.transpose(1, 2).contiguous(), lengths=lengths.int(), targets=targets, target_lengths=target_lengths)

    def fresh(masked=True):
        m = ref.ConformerCTC(d, heads, ffn, layers, kernel, dropout=0.0, masked=masked).double()
        m.load_state_dict(state)
        return m

    plain = fresh(masked=False).eval()
    with torch.no_grad():
        for i, length in enumerate(LENGTHS):
            lp, _ = plain(x[i:i + 1, :length].double(), lengths[i:i + 1])
            out["single.%d" % i] = lp.float()
        lp, _ = fresh().eval()(x.double(), lengths)
        out["eval"] = lp.float()

    model = fresh().train()
    lp, out_lengths = model(x.double(), lengths)
    losses = ctc_losses(lp, out_lengths, targets.long(), target_lengths.long())
    (losses.sum() / b).backward()
    out.update(train=lp.detach().float(), losses=losses.detach().float())
    for pname, p in model.named_parameters():
        out["grad." + pname] = p.grad.float()
    for bname, buf in model.named_buffers():
        if buf.is_floating_point():
            out["after1." + bname] = buf.float()

    model = fresh().train()
    opt = torch.optim.Adam(model.parameters(), lr=PEAK, betas=(0.9, 0.98), eps=1e-9, weight_decay=1e-6)
    steps = []
    for step in range(1, STEPS + 1):
        for g in opt.param_groups:
            g["lr"] = ref.noam(PEAK, WARMUP, step)
        opt.zero_grad()
        lp, out_lengths = model(x.double(), lengths)
        loss = ctc_losses(lp, out_lengths, targets.long(), target_lengths.long()).sum() / b
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        steps.append(loss.item())
    out["steps"] = torch.tensor(steps, dtype=torch.float32)

    cfg = {"arch": "conformer", "d": d, "heads": heads, "ffn": ffn, "layers": layers, "kernel": kernel,
           "n_bins": 80, "n_classes": len(ref.LABELS), "dropout": 0}
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "conformer", name + ".safetensors")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    meta = {"model": json.dumps(cfg, separators=(",", ":")), "torch": torch.__version__,
            "torchaudio": ref.torchaudio.__version__, "peak": PEAK, "warmup": WARMUP, "clip": CLIP}
    write_safetensors(path, {k: (v.numpy() if hasattr(v, "numpy") else v) for k, v in out.items()}, meta)
    if name == "other":  # the bare state dict (no metadata) the CLI tests read
        bare = os.path.join(os.path.dirname(path), "other_state_dict.safetensors")
        write_safetensors(bare, {k: v.numpy() for k, v in state.items()})
        print("wrote", os.path.normpath(bare))
    print("wrote", os.path.normpath(path), "loss", round(float(losses.sum() / b), 4), "steps", round(steps[0], 4),
          "->", round(steps[-1], 4))


if __name__ == "__main__":
    make("tiny", *ref.PRESETS["conformer-tiny"])
    make("other", 48, 4, 96, 1, 7)
