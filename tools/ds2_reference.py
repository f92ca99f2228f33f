"""Reference DeepSpeech2 CNN-LSTM in PyTorch, faithful to deepspeech.pytorch's DeepSpeech model
(the seed paper's backbone), for parity fixtures, side-by-side benchmarks and reference training.
Dev-only: run with Debian's python3 (python3-torch); nothing in the product needs it.

Architecture (names as deepspeech.pytorch, so state_dicts match ours tensor for tensor):
  conv.seq_module.0  Conv2d(1 -> C, (41, 11), stride (2, 2), padding (20, 5))
  conv.seq_module.1  BatchNorm2d(C);  .2 Hardtanh(0, 20)
  conv.seq_module.3  Conv2d(C -> C, (21, 11), stride (2, 1), padding (10, 5))
  conv.seq_module.4  BatchNorm2d(C);  .5 Hardtanh(0, 20)
  (MaskConv: positions past each utterance's output length are zeroed after every module)
  rnns.0.rnn                   LSTM(C * 41 -> H, bidirectional), directions summed
  rnns.k.batch_norm.module     BatchNorm1d(H) (sequence-wise), then rnns.k.rnn LSTM(H -> H), k >= 1
  fc.0.module.0                BatchNorm1d(H) (sequence-wise);  fc.0.module.1  Linear(H -> 29, no bias)
"""
import math

import torch
import torch.nn as nn

LABELS = "_'ABCDEFGHIJKLMNOPQRSTUVWXYZ "

PRESETS = {
    "ds2-paper": dict(conv_channels=32, hidden_layers=5, hidden_size=1024),
    "ds2-small": dict(conv_channels=32, hidden_layers=3, hidden_size=256),
    "ds2-tiny": dict(conv_channels=4, hidden_layers=2, hidden_size=16),
}


class SequenceWise(nn.Module):
    """Applies a module to (T, N, H) as (T*N, H)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        t, n = x.size(0), x.size(1)
        return self.module(x.reshape(t * n, -1)).view(t, n, -1)


class MaskConv(nn.Module):
    """Zeroes positions t >= length after every module of seq_module (input (N, C, D, T))."""

    def __init__(self, seq_module):
        super().__init__()
        self.seq_module = seq_module

    def forward(self, x, lengths):
        for module in self.seq_module:
            x = module(x)
            mask = torch.zeros(x.size(), dtype=torch.bool)
            for i, length in enumerate(lengths.tolist()):
                if x.size(3) - length > 0:
                    mask[i].narrow(2, length, x.size(3) - length).fill_(True)
            x = x.masked_fill(mask, 0)
        return x, lengths


class BatchRNN(nn.Module):
    def __init__(self, input_size, hidden_size, batch_norm=True):
        super().__init__()
        self.batch_norm = SequenceWise(nn.BatchNorm1d(input_size)) if batch_norm else None
        self.rnn = nn.LSTM(input_size=input_size, hidden_size=hidden_size, bidirectional=True, bias=True)

    def forward(self, x, output_lengths):
        if self.batch_norm is not None:
            x = self.batch_norm(x)
        x = nn.utils.rnn.pack_padded_sequence(x, output_lengths, enforce_sorted=False)
        x, _ = self.rnn(x)
        x, _ = nn.utils.rnn.pad_packed_sequence(x)
        # (T, N, 2H) -> (T, N, H) by summing the directions
        return x.view(x.size(0), x.size(1), 2, -1).sum(2).view(x.size(0), x.size(1), -1)


class DeepSpeech(nn.Module):
    def __init__(self, conv_channels=32, hidden_layers=5, hidden_size=1024, n_bins=161, n_classes=len(LABELS)):
        super().__init__()
        c = conv_channels
        self.conv = MaskConv(nn.Sequential(
            nn.Conv2d(1, c, kernel_size=(41, 11), stride=(2, 2), padding=(20, 5)),
            nn.BatchNorm2d(c),
            nn.Hardtanh(0, 20, inplace=True),
            nn.Conv2d(c, c, kernel_size=(21, 11), stride=(2, 1), padding=(10, 5)),
            nn.BatchNorm2d(c),
            nn.Hardtanh(0, 20, inplace=True),
        ))
        rows = math.floor((n_bins + 2 * 20 - 41) / 2 + 1)
        rows = math.floor((rows + 2 * 10 - 21) / 2 + 1)
        self.rnns = nn.Sequential(
            BatchRNN(rows * c, hidden_size, batch_norm=False),
            *(BatchRNN(hidden_size, hidden_size) for _ in range(hidden_layers - 1)))
        self.fc = nn.Sequential(SequenceWise(nn.Sequential(
            nn.BatchNorm1d(hidden_size),
            nn.Linear(hidden_size, n_classes, bias=False))))

    def get_seq_lens(self, lengths):
        for m in self.conv.modules():
            if isinstance(m, nn.Conv2d):
                lengths = (lengths + 2 * m.padding[1] - m.dilation[1] * (m.kernel_size[1] - 1) - 1) // m.stride[1] + 1
        return lengths.int()

    def forward(self, x, lengths):
        """x: (N, 1, bins, T) zero-padded features; lengths: (N,) frames.
        Returns logits (T', N, classes), time-major, and output lengths (N,)."""
        output_lengths = self.get_seq_lens(lengths.cpu().int())
        x, _ = self.conv(x, output_lengths)
        n, c, d, t = x.size()
        x = x.view(n, c * d, t).transpose(1, 2).transpose(0, 1).contiguous()  # (T', N, C*D)
        for rnn in self.rnns:
            x = rnn(x, output_lengths)
        return self.fc(x), output_lengths


def build(preset_or_config):
    cfg = PRESETS[preset_or_config] if isinstance(preset_or_config, str) else dict(preset_or_config)
    return DeepSpeech(**cfg)


def ctc_losses(logits, output_lengths, targets, target_lengths):
    """Per-utterance CTC losses (N,) of time-major logits, blank 0 (deepspeech.pytorch applies
    log_softmax then CTCLoss)."""
    log_probs = logits.log_softmax(-1)
    return nn.functional.ctc_loss(log_probs, targets, output_lengths, target_lengths, blank=0,
                                  reduction="none", zero_infinity=False)
