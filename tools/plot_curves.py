"""Learning curves of training runs as one SVG (no plotting library needed): per-epoch train loss
and dev CER of each run's metrics.csv (`audiolottery train` and tools/torch_train_reference.py
write the same columns).
  python3 tools/plot_curves.py OUT.svg LABEL=RUN_DIR/metrics.csv [LABEL=...]"""
import csv
import sys

W, H, PAD = 860, 340, 60
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def read(path):
    with open(path) as f:
        return [row for row in csv.DictReader(f)]


def panel(x0, title, series, key, y_label):
    pw, ph = (W - 3 * PAD) / 2, H - 2 * PAD
    epochs = max(len(rows) for _, rows in series)
    values = [float(r[key]) for _, rows in series for r in rows if r[key] not in ("", "nan")]
    lo, hi = 0.0, max(values) * 1.05 if values else 1.0
    out = [f'<text x="{x0 + pw / 2}" y="{PAD - 25}" text-anchor="middle" font-size="14">{title}</text>',
           f'<rect x="{x0}" y="{PAD}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>',
           f'<text x="{x0 + pw / 2}" y="{H - 15}" text-anchor="middle" font-size="12">epoch</text>',
           f'<text x="{x0 - 42}" y="{PAD + ph / 2}" text-anchor="middle" font-size="12" '
           f'transform="rotate(-90 {x0 - 42} {PAD + ph / 2})">{y_label}</text>']

    def sx(e):
        return x0 + (e - 1) / max(epochs - 1, 1) * pw

    def sy(v):
        return PAD + ph - (v - lo) / (hi - lo) * ph

    for e in range(1, epochs + 1):
        out.append(f'<text x="{sx(e)}" y="{PAD + ph + 16}" text-anchor="middle" font-size="11">{e}</text>')
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{sy(v)}" y2="{sy(v)}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 6}" y="{sy(v) + 4}" text-anchor="end" font-size="11">{v:.0f}</text>')
    for i, (label, rows) in enumerate(series):
        pts = [(int(r["epoch"]), float(r[key])) for r in rows if r[key] not in ("", "nan")]
        c = COLOURS[i % len(COLOURS)]
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' %
                   (c, " ".join(f"{sx(e):.1f},{sy(v):.1f}" for e, v in pts)))
        for e, v in pts:
            out.append(f'<circle cx="{sx(e):.1f}" cy="{sy(v):.1f}" r="3" fill="{c}"/>')
        out.append(f'<text x="{x0 + pw - 8}" y="{PAD + 18 + 16 * i}" text-anchor="end" font-size="12" '
                   f'fill="{c}">{label}</text>')
    return out


def main():
    out_path, specs = sys.argv[1], sys.argv[2:]
    series = [(s.split("=", 1)[0], read(s.split("=", 1)[1])) for s in specs]
    body = panel(PAD, "train loss (CTC, per utterance)", series, "train_loss", "loss")
    body += panel(2 * PAD + (W - 3 * PAD) / 2, "dev CER (greedy)", series, "dev_cer", "CER %")
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">',
           f'<rect width="{W}" height="{H}" fill="white"/>'] + body + ["</svg>"]
    with open(out_path, "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
