"""PyTorch side of bench/conformer_speed.sh: the same Conformer-CTC (tools/conformer_reference.py,
unmodified torchaudio layers: no masking is needed with equal lengths), the same random batch shape and the
same step as bench_train.c (forward, CTC, backward, clip_grad_norm_, Adam) or an eval-mode forward.
Prints one line in bench_train's format.
  /usr/bin/python3 bench/torch_conformer.py [--model conformer-small] [--batch 16] [--seconds 4]
      [--steps 10] [--warmup 2] [--threads N] [--mkldnn on|off] [--infer]"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import conformer_reference as ref  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="conformer-small")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--mkldnn", choices=["on", "off"], default="on")
    p.add_argument("--infer", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.backends.mkldnn.enabled = a.mkldnn == "on"
    torch.manual_seed(1)
    model = ref.build(a.model, masked=False)  # equal lengths: torchaudio's own path, no masking
    frames = 1 + int(round(a.seconds * 16000)) // 160
    x = torch.randn(a.batch, frames, 80)
    lengths = torch.full((a.batch,), frames, dtype=torch.int64)
    L = int(a.seconds * 12)
    targets = torch.randint(1, 29, (a.batch * L,), dtype=torch.int32)
    target_lengths = torch.full((a.batch,), L, dtype=torch.int32)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9, weight_decay=1e-6)
    model.train(not a.infer)
    times = []
    for s in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        if a.infer:
            with torch.no_grad():
                model(x, lengths)
        else:
            opt.zero_grad()
            lp, out_lengths = model(x, lengths)
            loss = torch.nn.functional.ctc_loss(lp, targets, out_lengths, target_lengths, blank=0,
                                                reduction="sum") / a.batch
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5)
            opt.step()
        if s >= a.warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    audio = a.batch * a.seconds
    print(f"pytorch {torch.__version__} mkldnn {a.mkldnn} {a.model} {'inference' if a.infer else 'training'}: "
          f"batch {a.batch} x {a.seconds:.1f} s, {a.threads} threads: median step {med:.4f} s, "
          f"{audio / med:.2f} audio-s/s, real-time factor {med / audio:.5f}, peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
