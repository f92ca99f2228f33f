"""PyTorch side of bench/train_speed.sh: the same DeepSpeech2 (tools/ds2_reference.py), the same
random batch shape and the same step (forward, CTC, backward, clip_grad_norm_ 400, AdamW) as
bench_train.c. Prints one line in the same format.
  /usr/bin/python3 bench/torch_train.py [--model ds2-small] [--batch 16] [--seconds 4] [--steps 10]
      [--warmup 2] [--threads N] [--infer]"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import ds2_reference as ref  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="ds2-small")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--infer", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = ref.build(a.model)
    frames = 1 + int(round(a.seconds * 16000)) // 160
    x = torch.randn(a.batch, 1, 161, frames)
    lengths = torch.full((a.batch,), frames, dtype=torch.int32)
    L = int(a.seconds * 12)
    targets = torch.randint(1, 29, (a.batch * L,), dtype=torch.int32)
    target_lengths = torch.full((a.batch,), L, dtype=torch.int32)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=1e-5)
    times = []
    if a.infer:
        model.eval()
    else:
        model.train()
    for s in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        if a.infer:
            with torch.no_grad():
                model(x, lengths)
        else:
            opt.zero_grad()
            logits, out_lengths = model(x, lengths)
            loss = ref.ctc_losses(logits, out_lengths, targets, target_lengths).sum() / a.batch
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 400)
            opt.step()
        if s >= a.warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pytorch {torch.__version__} {a.model} {'inference' if a.infer else 'training'}: batch {a.batch} x "
          f"{a.seconds:.1f} s, {a.threads} threads: median step {med:.4f} s, {a.batch * a.seconds / med:.2f} audio-s/s, "
          f"real-time factor {med / (a.batch * a.seconds):.5f}, peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
