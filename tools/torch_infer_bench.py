"""PyTorch dense inference time of our checkpoint, for `audiolottery bench-infer` (dev-only;
Debian's python3-torch).

  torch_infer_bench.py CKPT FEATURES REPEATS [THREADS]

Loads CKPT into the reference DeepSpeech2 (tools/ds2_reference.py) or Conformer
(tools/conformer_reference.py, unmodified torchaudio layers; masks dropped: the masked weights are
already zero, so this is the dense model on the same weights), runs it in eval mode
on THREADS threads (default 1), batch 1, on the first (bins, frames) tensor of FEATURES, once to warm up and then
REPEATS times, and prints "torch_median_s S" (median seconds of the forward) and
"torch_version V". Run it with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp, as for
the other tools.
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
import ds2_reference as ref  # noqa: E402
from st_io import read_safetensors  # noqa: E402


def main():
    ckpt, features, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    tensors, meta = read_safetensors(ckpt)
    state = {k: v for k, v in tensors.items() if not k.startswith("optimizer.") and not k.endswith("_mask")}
    feat = next(iter(read_safetensors(features)[0].values())).float()
    if "subsampling.conv.0.weight" in state:  # a Conformer (tools/conformer_reference.py)
        import conformer_reference as conf
        cfg = json.loads(meta["model"]) if meta and "model" in meta else {}
        model = conf.ConformerCTC(state["subsampling.out.weight"].shape[0], cfg.get("heads", 4),
                                  state["encoder.conformer_layers.0.ffn1.sequential.1.weight"].shape[0],
                                  sum(1 for k in state if k.endswith(".final_layer_norm.weight")),
                                  state["encoder.conformer_layers.0.conv_module.sequential.2.weight"].shape[2],
                                  classes=state["head.weight"].shape[0], masked=False)
        x, lengths = feat.t()[None], torch.tensor([feat.shape[1]])  # (1, frames, bins)
    else:
        model = ref.DeepSpeech(conv_channels=state["conv.seq_module.0.weight"].shape[0],
                               hidden_layers=sum(1 for k in state if k.startswith("rnns.") and k.endswith(".rnn.weight_ih_l0")),
                               hidden_size=state["rnns.0.rnn.weight_hh_l0"].shape[1])
        x, lengths = feat[None, None], torch.tensor([feat.shape[1]], dtype=torch.int32)  # (1, 1, bins, frames)
    # only the model's own tensors (a fixture may carry more); every one of them must be there
    model.load_state_dict({k: state[k] for k in model.state_dict()}, strict=True)
    model.eval()
    times = []
    with torch.no_grad():
        for r in range(repeats + 1):
            t0 = time.perf_counter()
            model(x, lengths)
            if r:  # the first run warms up
                times.append(time.perf_counter() - t0)
    print(f"torch_median_s {statistics.median(times):.6f}")
    print(f"torch_version {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
