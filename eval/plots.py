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
