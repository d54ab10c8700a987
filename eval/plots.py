"""Gate D heatmap (checkpoint x scale -> pass@k), rendered headless (Agg) and written atomically."""
from __future__ import annotations

import io

from core.files import atomic_write_bytes


def heatmap(values, row_labels, col_labels, title, path, baseline=None):
    """`values[i][j]` = pass@k (0..1) of checkpoint i at scale j; None for a missing cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    arr = np.array([[np.nan if v is None else v * 100 for v in row] for row in values], dtype=float)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(col_labels), 1.2 + 0.55 * len(row_labels)))
    im = ax.imshow(arr, cmap="viridis", vmin=0, vmax=max(1.0, np.nanmax(arr) if arr.size else 1), aspect="auto")
    ax.set_xticks(range(len(col_labels)), [f"x{c:g}" for c in col_labels])
    ax.set_yticks(range(len(row_labels)), row_labels)
    ax.set_xlabel("adapter scale")
    ax.set_ylabel("checkpoint")
    for i in range(arr.shape[0]):
        for j in range(arr.shape[1]):
            if not np.isnan(arr[i, j]):
                hi = arr[i, j] > 0.6 * np.nanmax(arr)
                ax.text(j, i, f"{arr[i, j]:.1f}", ha="center", va="center", color="black" if hi else "white")
    sub = f"\nbaseline {baseline * 100:.1f}" if baseline is not None else ""
    ax.set_title(title + sub, fontsize=10)
    fig.colorbar(im, ax=ax, label="percent")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def _figure(width, height):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height))
    return plt, fig, ax


def _save(plt, fig, path):
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def loss_curve(records, path, title="training loss"):
    """`records`: the trainer's log lines (dicts with step and loss; learning_rate when logged)."""
    rows = [r for r in records if "loss" in r and "step" in r]
    plt, fig, ax = _figure(6.0, 3.4)
    ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], marker="o", ms=3, label="loss")
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("loss (completion tokens)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    if any("learning_rate" in r for r in rows):
        lr = ax.twinx()
        lr.plot([r["step"] for r in rows], [r.get("learning_rate", float("nan")) for r in rows], color="gray",
                ls="--", lw=1, label="learning rate")
        lr.set_ylabel("learning rate", color="gray")
    return _save(plt, fig, path)


def passk_curves(series: dict, path, title="pass@k"):
    """`series`: {label: results' pass_at_k block ({"pass@k": {"value", "ci95"}})}: one line per label,
    with its bootstrap 95% band."""
    plt, fig, ax = _figure(5.2, 3.4)
    for label, block in series.items():
        ks = sorted(int(k.split("@")[1]) for k in block)
        cells = [block[f"pass@{k}"] for k in ks]
        vals = [100 * c["value"] for c in cells]
        lo = [100 * (c.get("ci95") or [c["value"]] * 2)[0] for c in cells]
        hi = [100 * (c.get("ci95") or [c["value"]] * 2)[1] for c in cells]
        line, = ax.plot(ks, vals, marker="o", label=label)
        ax.fill_between(ks, lo, hi, alpha=0.15, color=line.get_color())
        ax.set_xticks(ks)
    ax.set_xlabel("k (samples allowed)")
    ax.set_ylabel("pass@k (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(plt, fig, path)


def family_bars(families: dict, labels: tuple, path, title="pass@k by family"):
    """`families`: {family: (value of labels[0], value of labels[1], ...)} in 0..1."""
    import numpy as np

    names = list(families)
    plt, fig, ax = _figure(1.8 + 1.4 * len(names), 3.4)
    x, width = np.arange(len(names)), 0.8 / max(len(labels), 1)
    for j, label in enumerate(labels):
        vals = [100 * families[f][j] for f in names]
        bars = ax.bar(x + (j - (len(labels) - 1) / 2) * width, vals, width, label=label)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks(x, names)
    ax.set_ylabel("percent")
    ax.set_ylim(0, 105)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return _save(plt, fig, path)


def gallery(rows: list[dict], path, title="reference vs tuned"):
    """A grid of pictures: one row per item, `rows[i]` = {"label": str, "cells": [(caption, png path or
    None), ...]}; a missing picture is a grey panel saying so."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    cols = max(len(r["cells"]) for r in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(3.2 * cols, 2.8 * len(rows)), squeeze=False)
    for r, row in enumerate(rows):
        for c in range(cols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(row["cells"]):
                ax.axis("off")
                continue
            caption, png = row["cells"][c]
            if png is not None:
                ax.imshow(mpimg.imread(str(png)))
            else:
                ax.set_facecolor("#dddddd")
                ax.text(0.5, 0.5, "no picture\n(did not run)", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(caption, fontsize=8)
            if c == 0:
                ax.set_ylabel(row["label"], fontsize=8)
    fig.suptitle(title, fontsize=10)
    return _save(plt, fig, path)
