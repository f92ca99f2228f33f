#!/usr/bin/python3
"""PyTorch reference for bench_frontend: deepspeech.pytorch's spectrogram (torch.stft with a
periodic Hamming window of 320, hop 160, centred reflect padding, |.|, log1p, per-utterance
(x - mean) / std) on SECONDS of audio, one thread, REPS times. Prints the median speed as times
real time; the last line is machine-readable: "torch_spectrogram_xrt <median>".
Usage: /usr/bin/python3 bench/torch_frontend.py [SECONDS=60] [REPS=21]"""
import math
import statistics
import sys
import time

import torch

RATE = 16000


def spectrogram(x, window):
    spec = torch.stft(x, n_fft=320, hop_length=160, win_length=320, window=window, center=True, pad_mode="reflect",
                      return_complex=True).abs().log1p()
    return (spec - spec.mean()) / spec.std()


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 21
    torch.set_num_threads(1)
    n = int(seconds * RATE)
    t = torch.arange(n, dtype=torch.float64) / RATE
    gen = torch.Generator().manual_seed(1)
    x = (0.1 * torch.sin(2 * math.pi * 440.0 * t) + 0.05 * torch.sin(2 * math.pi * 2500.0 * t) +
         0.02 * torch.randn(n, generator=gen, dtype=torch.float64)).float()
    window = torch.hamming_window(320)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        spectrogram(x, window)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"torch {torch.__version__} spectrogram {reps} x {seconds:.0f} s audio: median {med * 1e3:.3f} ms, "
          f"min {min(times) * 1e3:.3f} ms -> {seconds / med:.0f}x real time")
    print(f"torch_spectrogram_xrt {seconds / med:.0f}")


if __name__ == "__main__":
    main()
