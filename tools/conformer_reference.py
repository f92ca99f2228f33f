"""PyTorch reference of audiolottery's Conformer-CTC (src/model/conformer/): ESPnet's Conv2dSubsampling
without positional encoding, torchaudio.models.Conformer 0.13 as the encoder, a Linear head, log-softmax.
A state_dict of ConformerCTC loads into the C model by name, and the C model's checkpoints load here with
strict=True (BatchNorm num_batches_tracked included).

masked=True (the C model, ESPnet and NeMo): frames past an utterance's length are zeroed before each
depthwise convolution and kept out of BatchNorm's statistics. masked=False is torchaudio unmodified (its
output for an utterance then depends on the rest of its batch). Both agree on a batch of one.

    import conformer_reference as ref
    model = ref.build("conformer-tiny")            # or ref.ConformerCTC(d, heads, ffn, layers, kernel)
    log_probs, out_lengths = model(x, lengths)      # x (B, T, 80); log_probs (T', B, classes), time-major
"""
import torch
import torchaudio

LABELS = "_'ABCDEFGHIJKLMNOPQRSTUVWXYZ "
PRESETS = {  # d, heads, ffn, layers, kernel
    "conformer-tiny": (64, 4, 128, 2, 15),
    "conformer-small": (176, 4, 704, 16, 31),
    "conformer-medium": (256, 4, 1024, 16, 31),
}


class Subsampling(torch.nn.Module):
    """ESPnet Conv2dSubsampling (x4) without positional encoding: (B, T, F) -> (B, T', d)."""

    def __init__(self, n_bins, d):
        super().__init__()
        self.conv = torch.nn.Sequential(torch.nn.Conv2d(1, d, 3, 2), torch.nn.ReLU(), torch.nn.Conv2d(d, d, 3, 2),
                                        torch.nn.ReLU())
        self.out = torch.nn.Linear(d * (((n_bins - 1) // 2 - 1) // 2), d)

    def forward(self, x, lengths):
        x = self.conv(x.unsqueeze(1))  # (B, d, T', F')
        b, c, t, f = x.shape
        x = self.out(x.transpose(1, 2).reshape(b, t, c * f))
        return x, ((lengths - 1) // 2 - 1) // 2


def _masked_batchnorm(bn, x, keep):
    """BatchNorm1d on x (B, C, T) with statistics over the frames where keep (B, T) is True."""
    if not bn.training:
        return bn(x) * keep.unsqueeze(1)
    sel = x.transpose(1, 2)[keep]  # (frames, C)
    mean, var = sel.mean(0), sel.var(0, unbiased=False)
    with torch.no_grad():
        n = sel.shape[0]
        bn.running_mean.mul_(1 - bn.momentum).add_(bn.momentum * mean)
        bn.running_var.mul_(1 - bn.momentum).add_(bn.momentum * var * n / (n - 1))
        bn.num_batches_tracked += 1
    y = (x - mean[None, :, None]) / torch.sqrt(var[None, :, None] + bn.eps) * bn.weight[None, :, None] \
        + bn.bias[None, :, None]
    return y * keep.unsqueeze(1)


def _conv_module(m, x, keep):
    """torchaudio's _ConvolutionModule with padded frames zeroed before the depthwise conv and kept out
    of BatchNorm's statistics; x (B, T, D), keep (B, T)."""
    s = m.sequential
    x = m.layer_norm(x).transpose(1, 2)
    x = s[1](s[0](x)) * keep.unsqueeze(1)  # pointwise conv, GLU, zero padded frames
    x = _masked_batchnorm(s[3], s[2](x), keep)
    x = s[6](s[5](s[4](x)))  # SiLU, pointwise conv, dropout
    return x.transpose(1, 2)


def _layer(layer, x, padding_mask):
    """torchaudio's ConformerLayer.forward (convolution after attention) with the masked conv module;
    x (T, B, D)."""
    keep = ~padding_mask
    residual = x
    x = layer.ffn1(x) * 0.5 + residual
    residual = x
    y = layer.self_attn_layer_norm(x)
    y, _ = layer.self_attn(query=y, key=y, value=y, key_padding_mask=padding_mask, need_weights=False)
    x = layer.self_attn_dropout(y) + residual
    x = x + _conv_module(layer.conv_module, x.transpose(0, 1), keep).transpose(0, 1)
    residual = x
    x = layer.ffn2(x) * 0.5 + residual
    return layer.final_layer_norm(x)


class ConformerCTC(torch.nn.Module):
    def __init__(self, d, heads, ffn, layers, kernel, n_bins=80, classes=len(LABELS), dropout=0.1, masked=True):
        super().__init__()
        self.masked = masked
        self.subsampling = Subsampling(n_bins, d)
        self.encoder = torchaudio.models.Conformer(input_dim=d, num_heads=heads, ffn_dim=ffn, num_layers=layers,
                                                   depthwise_conv_kernel_size=kernel, dropout=dropout)
        self.head = torch.nn.Linear(d, classes)

    def forward(self, x, lengths):
        """x (B, T, n_bins), lengths (B,) -> log-probs (T', B, classes), output lengths (B,)."""
        x, lengths = self.subsampling(x, lengths)
        if self.masked:
            padding = torch.arange(x.shape[1])[None, :] >= lengths[:, None]
            y = x.transpose(0, 1)
            for layer in self.encoder.conformer_layers:
                y = _layer(layer, y, padding)
            x = y.transpose(0, 1)
        else:
            x, lengths = self.encoder(x, lengths)
        return torch.log_softmax(self.head(x), dim=-1).transpose(0, 1), lengths


def build(preset, **kw):
    return ConformerCTC(*PRESETS[preset], **kw)


def noam(peak, warmup, step):
    """The Noam schedule by its peak, as al_noam_lr: peak * min(step / warmup, sqrt(warmup / step))."""
    return peak * min(step / warmup, (warmup / step) ** 0.5)
