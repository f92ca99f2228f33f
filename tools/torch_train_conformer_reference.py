"""Reference training of the same Conformer-CTC in PyTorch, for docs/EXPERIMENTS.md (dev-only; Debian's
python3-torch and python3-torchaudio). The Conformer counterpart of tools/torch_train_reference.py, whose
plan files, evaluation and resume it shares.

It trains on exactly our batches: the utterances and the per-epoch batch order come from
`audiolottery corpus TRAIN --plan FILE --epochs E --batch-size B --seed S`. Features: torchaudio's
MelSpectrogram (n_fft 512, win 400, hop 160, 80 mels), log(x + 1e-9), normalised per utterance: ours
(docs/FRONTEND.md). Model: tools/conformer_reference.py (masked). Recipe as `audiolottery train --model
conformer-*`: Adam betas (0.9, 0.98), eps 1e-9, weight decay 1e-6, Noam to --lr after --warmup-steps,
loss = sum of CTC losses / batch with zero_infinity, clip_grad_norm_ 5, dropout 0.1, NeMo SpecAugment
(2 frequency masks <= 27 bins, 10 time masks <= 5% of the frames; drawn from torch's RNG, so the masks
are not ours); greedy dev CER (--select-by) picks the best model, scored on the test sets.

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 \\
      tools/torch_train_conformer_reference.py --plan train.json --dev dev.json \\
      --test test-clean=tc.json --model conformer-small --warmup-steps 300 --out runs/torch-conformer
Writes OUT/metrics.csv, OUT/test.csv and OUT/state.pt after every epoch (resumes after a kill).
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
import conformer_reference as ref  # noqa: E402
from torch_train_reference import edits, save_atomic  # noqa: E402

LABEL_INDEX = {c: i for i, c in enumerate(ref.LABELS)}
MEL = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512, win_length=400, hop_length=160, n_mels=80)


def logmel(path, offset, duration):
    wav, sr = torchaudio.load(path, normalize=False)
    assert sr == 16000, f"{path}: {sr} Hz"
    x = wav[0].float() * (32768 / 32767) if wav.dtype.is_floating_point else wav[0].float() / 32767
    if offset or duration:
        x = x[int(round(offset * sr)):int(round((offset + duration) * sr))] if duration else x[int(round(offset * sr)):]
    m = torch.log(MEL(x) + 1e-9)  # (80, frames)
    return ((m - m.mean()) / m.std()).t()  # (frames, 80)


def load(utterances):
    return [logmel(u["audio"], u["offset"], u["duration"] if u["offset"] else 0) for u in utterances]


def spec_augment(x, length):
    """NeMo's policy on one (frames, 80) utterance, in place."""
    for _ in range(2):
        w = int(torch.randint(0, 28, ()))
        f0 = int(torch.randint(0, 80 - w + 1, ()))
        x[:length, f0:f0 + w] = 0
    width = int(0.05 * length)
    for _ in range(10):
        w = int(torch.randint(0, width + 1, ()))
        t0 = int(torch.randint(0, length - w + 1, ()))
        x[t0:t0 + w] = 0


def make_batch(feats, texts, idx, augment=False):
    t_max = max(feats[i].shape[0] for i in idx)
    x = torch.zeros(len(idx), t_max, 80)
    for k, i in enumerate(idx):
        x[k, :feats[i].shape[0]] = feats[i]
        if augment:
            spec_augment(x[k], feats[i].shape[0])
    lengths = torch.tensor([feats[i].shape[0] for i in idx])
    targets = torch.tensor([LABEL_INDEX[c] for i in idx for c in texts[i]], dtype=torch.int32)
    target_lengths = torch.tensor([len(texts[i]) for i in idx], dtype=torch.int32)
    return x, lengths, targets, target_lengths


def greedy(lp, length):
    best, out, prev = lp[:length].argmax(-1).tolist(), [], -1
    for b in best:
        if b != prev and b != 0:
            out.append(ref.LABELS[b])
        prev = b
    return " ".join("".join(out).split())


def evaluate(model, feats, texts, batch=32):
    model.eval()
    order = sorted(range(len(feats)), key=lambda i: (feats[i].shape[0], i))
    we = wn = ce = cn = 0
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = [i for i in order[s:s + batch] if feats[i].shape[0] >= 7]  # shorter: empty hypotheses
            lp, out_len = model(*make_batch(feats, texts, idx)[:2]) if idx else (None, None)
            hyps = {i: greedy(lp[:, k], out_len[k]) for k, i in enumerate(idx)}
            for i in order[s:s + batch]:
                hyp, refr = hyps.get(i, ""), texts[i]
                we, wn = we + edits(refr.split(), hyp.split()), wn + len(refr.split())
                ce, cn = ce + edits(refr.replace(" ", ""), hyp.replace(" ", "")), cn + len(refr.replace(" ", ""))
    model.train()
    return 100.0 * we / wn, 100.0 * ce / cn


def main():
    p = argparse.ArgumentParser()
    for name in ("--plan", "--dev", "--out"):
        p.add_argument(name, required=True)
    p.add_argument("--test", action="append", default=[], help="NAME=PLAN.json")
    p.add_argument("--model", default="conformer-small")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--lr", type=float, default=1e-3, help="Noam peak")
    p.add_argument("--warmup-steps", type=int, default=10000)
    p.add_argument("--select-by", choices=["wer", "cer"], default="cer")
    p.add_argument("--epochs", type=int, default=0, help="train only the plan's first N epochs (0: all)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    plan = json.load(open(a.plan))
    feats, texts = load(plan["utterances"]), [u["text"] for u in plan["utterances"]]
    dev = json.load(open(a.dev))["utterances"]
    dev_feats, dev_texts = load(dev), [u["text"] for u in dev]
    model = ref.build(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.98), eps=1e-9, weight_decay=1e-6)
    pick = 1 if a.select_by == "cer" else 0
    best, best_state, best_epoch, done, step = math.inf, None, 0, 0, 0
    state_path, metrics_path = os.path.join(a.out, "state.pt"), os.path.join(a.out, "metrics.csv")
    if os.path.exists(state_path):  # resume after the last finished epoch
        s = torch.load(state_path)
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["optimizer"])
        torch.set_rng_state(s["rng"])
        best, best_state, best_epoch, done, step = s["best"], s["best_state"], s["best_epoch"], s["epoch"], s["step"]
        with open(metrics_path) as f:
            rows = f.read().splitlines()[:done + 1]
        with open(metrics_path, "w") as f:
            f.write("\n".join(rows) + "\n")
    model.train()
    with open(metrics_path, "a" if done else "w", newline="") as f:
        log = csv.writer(f)
        if not done:
            log.writerow(["epoch", "train_loss", "dev_wer", "dev_cer", "lr", "epoch_seconds"])
        for epoch, batches in enumerate(plan["epochs"][:a.epochs or None]):
            if epoch < done:
                continue
            start, total, count = time.time(), 0.0, 0
            for j, idx in enumerate(batches):
                x, lengths, targets, target_lengths = make_batch(feats, texts, idx, augment=True)
                opt.zero_grad()
                lp, out_len = model(x, lengths)
                loss = torch.nn.functional.ctc_loss(lp, targets, out_len, target_lengths, blank=0,
                                                    reduction="sum", zero_infinity=True) / len(idx)
                if not math.isfinite(loss.item()):
                    continue
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 5)
                step += 1
                for g in opt.param_groups:
                    g["lr"] = ref.noam(a.lr, a.warmup_steps, step)
                opt.step()
                total, count = total + loss.item(), count + 1
                if j % 10 == 0:
                    print(f"epoch {epoch + 1} batch {j + 1}/{len(batches)} loss {total / count:.2f}", flush=True)
            scores = evaluate(model, dev_feats, dev_texts)
            seconds, lr = time.time() - start, opt.param_groups[0]["lr"]
            print(f"epoch {epoch + 1}: train loss {total / count:.3f}, dev WER {scores[0]:.2f} CER {scores[1]:.2f}, "
                  f"lr {lr:.3g}, {seconds:.0f} s", flush=True)
            log.writerow([epoch + 1, f"{total / count:.6f}", f"{scores[0]:.4f}", f"{scores[1]:.4f}", f"{lr:.9g}",
                          f"{seconds:.1f}"])
            f.flush()
            if scores[pick] < best:
                best, best_epoch = scores[pick], epoch + 1
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "rng": torch.get_rng_state(),
                         "best": best, "best_state": best_state, "best_epoch": best_epoch, "epoch": epoch + 1,
                         "step": step}, state_path)
    model.load_state_dict(best_state)
    with open(os.path.join(a.out, "test.csv"), "w", newline="") as f:
        log = csv.writer(f)
        log.writerow(["set", "wer", "cer", "best_epoch"])
        for spec in a.test:
            name, path = spec.split("=", 1)
            us = json.load(open(path))["utterances"]
            wer, cer = evaluate(model, load(us), [u["text"] for u in us])
            print(f"{name}: WER {wer:.2f} CER {cer:.2f} (best dev epoch {best_epoch})", flush=True)
            log.writerow([name, f"{wer:.4f}", f"{cer:.4f}", best_epoch])


if __name__ == "__main__":
    main()
