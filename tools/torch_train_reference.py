"""Reference training of the same DeepSpeech2 in PyTorch, for docs/EXPERIMENTS.md (dev-only;
Debian's python3-torch and python3-torchaudio).

It trains on exactly our batches and features: the utterances and the per-epoch batch order come
from `audiolottery corpus TRAIN --plan FILE --epochs E --batch-size B --seed S` (the batches
`audiolottery train` uses with the same options), audio is read as int16 / 32767 and the DS2
spectrogram is computed as tools/gen_feature_fixtures.py does (our features match it within 3e-6).
Recipe as `audiolottery train`'s defaults: AdamW lr 3e-4, betas 0.9/0.999, eps 1e-8, weight decay
1e-5, loss = sum of CTC losses / batch, clip_grad_norm_ 400, lr / 1.01 after every epoch, a batch
with a non-finite loss skipped; greedy dev WER after every epoch selects the best model, which is
then scored on the test sets.

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 tools/torch_train_reference.py \
      --plan train.json --dev dev.json --test test-clean=tc.json --test test-other=to.json \
      --model ds2-small --out runs/torch-ref --threads 2
(dev/test JSON files: `audiolottery corpus DIR --plan FILE`; only their utterance lists are used.)
Writes OUT/metrics.csv (epoch, train_loss, dev_wer, dev_cer, lr, epoch_seconds) and OUT/test.csv, and
OUT/state.pt after every epoch: the same command after a kill resumes after the last finished epoch.
--init CKPT starts from the weights and BatchNorm buffers of a safetensors file (e.g. the
start.safetensors `audiolottery train` writes into its run directory) instead of a fresh draw, so
that the two implementations can be compared from the same initial weights; --epochs N stops after
the plan's first N epochs.
"""
import argparse
import csv
import json
import math
import os
import sys
import time

import torch
import torchaudio

sys.path.insert(0, os.path.dirname(__file__))
import ds2_reference as ref  # noqa: E402
from st_io import read_safetensors  # noqa: E402

LABEL_INDEX = {c: i for i, c in enumerate(ref.LABELS)}


def spectrogram(path, offset, duration):
    wav, sr = torchaudio.load(path, normalize=False)
    assert sr == 16000, f"{path}: {sr} Hz"
    # normalize=False keeps integers for WAV only: FLAC comes back as float in [-1, 1) (int16 / 32768)
    x = wav[0].float() * (32768 / 32767) if wav.dtype.is_floating_point else wav[0].float() / 32767
    if offset or duration:
        x = x[int(round(offset * sr)):int(round((offset + duration) * sr))] if duration else x[int(round(offset * sr)):]
    spec = torch.stft(x, n_fft=320, hop_length=160, win_length=320, window=torch.hamming_window(320),
                      center=True, pad_mode="reflect", return_complex=True).abs().log1p()
    return (spec - spec.mean()) / spec.std()


def load_features(utterances):
    return [spectrogram(u["audio"], u["offset"], u["duration"] if u["offset"] else 0) for u in utterances]


def make_batch(feats, texts, idx):
    n, t_max = len(idx), max(feats[i].shape[1] for i in idx)
    x = torch.zeros(n, 1, 161, t_max)
    lengths = torch.tensor([feats[i].shape[1] for i in idx], dtype=torch.int32)
    for k, i in enumerate(idx):
        x[k, 0, :, :feats[i].shape[1]] = feats[i]
    targets = torch.tensor([LABEL_INDEX[c] for i in idx for c in texts[i]], dtype=torch.int32)
    target_lengths = torch.tensor([len(texts[i]) for i in idx], dtype=torch.int32)
    return x, lengths, targets, target_lengths


def greedy(logits, length):
    best = logits[:length].argmax(-1).tolist()
    out, prev = [], -1
    for b in best:
        if b != prev and b != 0:
            out.append(ref.LABELS[b])
        prev = b
    return " ".join("".join(out).split())


def edits(a, b):
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j - 1] + (a[i - 1] != b[j - 1]), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return prev[-1]


def evaluate(model, feats, texts, batch=32):
    model.eval()
    order = sorted(range(len(feats)), key=lambda i: (feats[i].shape[1], i))
    we = wn = ce = cn = 0
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            x, lengths, _, _ = make_batch(feats, texts, idx)
            logits, out_len = model(x, lengths)
            for k, i in enumerate(idx):
                hyp, refr = greedy(logits[:, k], out_len[k]), texts[i]
                we += edits(refr.split(), hyp.split())
                wn += len(refr.split())
                ce += edits(refr.replace(" ", ""), hyp.replace(" ", ""))
                cn += len(refr.replace(" ", ""))
    model.train()
    return 100.0 * we / wn, 100.0 * ce / cn


def save_atomic(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--plan", required=True)
    p.add_argument("--dev", required=True)
    p.add_argument("--test", action="append", default=[], help="NAME=PLAN.json")
    p.add_argument("--model", default="ds2-small")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--init", help="safetensors with every model tensor to start from")
    p.add_argument("--epochs", type=int, default=0, help="train only the plan's first N epochs (0: all)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    plan = json.load(open(a.plan))
    utts = plan["utterances"]
    t0 = time.time()
    feats, texts = load_features(utts), [u["text"] for u in utts]
    dev_utts = json.load(open(a.dev))["utterances"]
    dev_feats, dev_texts = load_features(dev_utts), [u["text"] for u in dev_utts]
    print(f"features: {len(feats)} train, {len(dev_feats)} dev utterances in {time.time() - t0:.0f} s", flush=True)

    model = ref.build(a.model)
    if a.init:
        start, _ = read_safetensors(a.init)
        model.load_state_dict({k: start[k] for k in model.state_dict()}, strict=True)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-5)
    best_wer, best_state, best_epoch, done = math.inf, None, 0, 0
    state_path, metrics_path = os.path.join(a.out, "state.pt"), os.path.join(a.out, "metrics.csv")
    if os.path.exists(state_path):  # resume after the last finished epoch
        s = torch.load(state_path)
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["optimizer"])
        torch.set_rng_state(s["rng"])
        best_wer, best_state, best_epoch, done = s["best_wer"], s["best_state"], s["best_epoch"], s["epoch"]
        print(f"resuming after epoch {done} ({state_path})", flush=True)
        with open(metrics_path) as f:  # drop rows of an epoch that finished after the state was saved
            rows = f.read().splitlines()[:done + 1]
        with open(metrics_path, "w") as f:
            f.write("\n".join(rows) + "\n")
    with open(metrics_path, "a" if done else "w", newline="") as f:
        log = csv.writer(f)
        if not done:
            log.writerow(["epoch", "train_loss", "dev_wer", "dev_cer", "lr", "epoch_seconds"])
        for epoch, batches in enumerate(plan["epochs"][:a.epochs or None]):
            if epoch < done:
                continue
            start, total, count = time.time(), 0.0, 0
            for j, idx in enumerate(batches):
                x, lengths, targets, target_lengths = make_batch(feats, texts, idx)
                opt.zero_grad()
                logits, out_len = model(x, lengths)
                loss = ref.ctc_losses(logits, out_len, targets, target_lengths).sum() / len(idx)
                if not math.isfinite(loss.item()):
                    continue
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 400)
                opt.step()
                total, count = total + loss.item(), count + 1
                if j % 10 == 0:
                    print(f"epoch {epoch + 1} batch {j + 1}/{len(batches)} loss {total / count:.2f}", flush=True)
            lr = opt.param_groups[0]["lr"]
            wer, cer = evaluate(model, dev_feats, dev_texts)
            seconds = time.time() - start
            print(f"epoch {epoch + 1}: train loss {total / count:.3f}, dev WER {wer:.2f} CER {cer:.2f}, "
                  f"lr {lr:.3g}, {seconds:.0f} s", flush=True)
            log.writerow([epoch + 1, f"{total / count:.6f}", f"{wer:.4f}", f"{cer:.4f}", f"{lr:.9g}", f"{seconds:.1f}"])
            f.flush()
            for g in opt.param_groups:
                g["lr"] = lr / 1.01
            if wer < best_wer:
                best_wer, best_epoch = wer, epoch + 1
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "rng": torch.get_rng_state(),
                         "best_wer": best_wer, "best_state": best_state, "best_epoch": best_epoch,
                         "epoch": epoch + 1}, state_path)
    model.load_state_dict(best_state)
    with open(os.path.join(a.out, "test.csv"), "w", newline="") as f:
        log = csv.writer(f)
        log.writerow(["set", "wer", "cer", "best_epoch"])
        for spec in a.test:
            name, path = spec.split("=", 1)
            us = json.load(open(path))["utterances"]
            wer, cer = evaluate(model, load_features(us), [u["text"] for u in us])
            print(f"{name}: WER {wer:.2f} CER {cer:.2f} (best dev epoch {best_epoch})", flush=True)
            log.writerow([name, f"{wer:.4f}", f"{cer:.4f}", best_epoch])


if __name__ == "__main__":
    main()
