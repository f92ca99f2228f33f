#!/usr/bin/python3
"""Generates the front-end parity fixtures in tests/data/features/ (dev-only; needs torch and
torchaudio, e.g. Debian's python3-torch / python3-torchaudio: run with /usr/bin/python3).

For each deterministic test signal (tones + seeded noise + a chirp, int16) it writes
  <name>.wav                       16-bit mono PCM at 16 kHz
and into reference.safetensors (written by hand: u64 LE header length, JSON header, raw LE data)
  <name>.spectrogram   (161, frames) F32  deepspeech.pytorch: log1p |torch.stft| (Hamming 320,
                                          hop 160, centred, reflect), then (x - mean) / std (N-1)
  <name>.logmel        (80, frames)  F32  torchaudio MelSpectrogram(16000, n_fft=512, win=400,
                                          hop=160, n_mels=80), then log(x + 1e-9)
  short.logmel_norm    (80, frames)  F32  the log-mel of "short", normalised like the spectrogram
Samples are int16 / 32767 as float32 (the project's sample convention).

Usage: /usr/bin/python3 tools/gen_feature_fixtures.py [OUT_DIR]   (default tests/data/features)
"""
import json
import os
import struct
import sys
import wave

import numpy as np
import torch
import torchaudio

RATE = 16000
# name -> (number of samples, seed); "odd" has an odd length.
SIGNALS = {"short": (4800, 1), "odd": (8001, 2), "tones": (16000, 3)}


def make_signal(n, seed):
    """Sum of three tones + a 100 Hz -> 7 kHz chirp + seeded white noise, as int16."""
    rng = np.random.RandomState(seed)
    t = np.arange(n) / RATE
    dur = n / RATE
    freqs = rng.uniform(150.0, 4000.0, size=3)
    x = sum(0.12 * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in freqs)
    f0, f1 = 100.0, 7000.0
    x = x + 0.1 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * dur)))
    x = x + 0.02 * rng.standard_normal(n)
    return np.round(np.clip(x, -1.0, 1.0) * 32767).astype(np.int16)


def write_wav(path, pcm):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.astype("<i2").tobytes())


def spectrogram(x):
    spec = torch.stft(x, n_fft=320, hop_length=160, win_length=320, window=torch.hamming_window(320),
                      center=True, pad_mode="reflect", return_complex=True).abs().log1p()
    return normalize(spec)


def normalize(s):
    return (s - s.mean()) / s.std()  # torch.std is unbiased (N-1)


MEL = torchaudio.transforms.MelSpectrogram(sample_rate=RATE, n_fft=512, win_length=400, hop_length=160, n_mels=80)


def logmel(x):
    return torch.log(MEL(x) + 1e-9)


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data",
                                                                  "features")
    os.makedirs(out_dir, exist_ok=True)
    tensors = {}
    for name, (n, seed) in SIGNALS.items():
        pcm = make_signal(n, seed)
        write_wav(os.path.join(out_dir, name + ".wav"), pcm)
        x = torch.from_numpy(pcm.astype(np.float32) / np.float32(32767.0))
        tensors[name + ".spectrogram"] = spectrogram(x)
        tensors[name + ".logmel"] = logmel(x)
        if name == "short":
            tensors[name + ".logmel_norm"] = normalize(logmel(x))
    meta = {"generator": "tools/gen_feature_fixtures.py", "torch": torch.__version__,
            "torchaudio": torchaudio.__version__}
    write_safetensors(os.path.join(out_dir, "reference.safetensors"), tensors, meta)
    for k, t in tensors.items():
        print(k, tuple(t.shape))


if __name__ == "__main__":
    main()
