"""The unbiased pass@k estimator and bootstrap intervals over items.

pass@k for one item with n samples of which c pass is 1 - C(n-c, k) / C(n, k) (Chen et al. 2021): the
chance that at least one of k samples drawn without replacement passes. The set's pass@k is the mean over
items. Intervals resample items (not samples), because items are the unit the eval set was drawn in.

Checks: k in 1..n, c in 0..n. Does not check that samples are independent (the generator's job).
"""
from __future__ import annotations

import numpy as np

from core.errors import UserError

DEFAULT_BOOTSTRAP = 2000
CI_LEVEL = 0.95


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one item; the product form avoids huge binomials."""
    if not 1 <= k <= n:
        raise UserError(f"k={k} is out of range: k must be between 1 and n={n} (samples per item)")
    if not 0 <= c <= n:
        raise ValueError(f"c={c} passing samples is outside 0..n={n}")
    if n - c < k:
        return 1.0
    # C(n-c,k)/C(n,k) = prod_{i=n-c+1}^{n} (1 - k/i)
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def cell(block: dict, k, unit: str = "%") -> str:
    """'38.3% [22.2, 55.0]' for pass@k in a results' `pass_at_k` block (k an int or 'pass@k' key);
    'n/a' when the block has no such k."""
    v = block.get(k if isinstance(k, str) else f"pass@{k}")
    if not v:
        return "n/a"
    return f"{100 * v['value']:.1f}{unit} [{100 * v['ci95'][0]:.1f}, {100 * v['ci95'][1]:.1f}]"


def check_ks(ks, n: int) -> list[int]:
    ks = sorted(set(int(k) for k in ks))
    bad = [k for k in ks if not 1 <= k <= n]
    if bad:
        raise UserError(f"--k {' '.join(map(str, bad))}: each k must be between 1 and n={n} (samples per item)")
    return ks


def item_scores(counts: list[tuple[int, int]], k: int) -> np.ndarray:
    """Per-item pass@k for a list of (n, c)."""
    return np.array([pass_at_k(n, c, k) for n, c in counts], dtype=float)


def bootstrap_ci(values: np.ndarray, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0,
                 level: float = CI_LEVEL) -> tuple[float, float]:
    """Percentile interval of the mean, resampling items with replacement."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(n_boot, values.size))
    means = values[idx].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def summarize(values: np.ndarray, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0) -> dict:
    lo, hi = bootstrap_ci(values, n_boot, seed)
    return {"value": float(np.mean(values)) if len(values) else float("nan"), "ci95": [lo, hi],
            "items": int(len(values))}


def table(items: dict, ks, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0) -> dict:
    """pass@k for every k, overall, per family and per phrasing style.

    `items`: id -> {"family": str, "n": int, "c": int, "style": str (optional)}. Returns
    {"overall": {"pass@1": {...}, ...}, "families": {fam: {"pass@1": {...}}}, "styles": {style: {...}}};
    "styles" is empty when no item names its style (the instruction's register, e.g. terse, spec).
    """
    ids = sorted(items)
    groups = {"families": sorted({items[i]["family"] for i in ids}),
              "styles": sorted({items[i]["style"] for i in ids if items[i].get("style")})}
    out = {"overall": {}, **{key: {g: {} for g in names} for key, names in groups.items()}}
    for k in ks:
        vals = item_scores([(items[i]["n"], items[i]["c"]) for i in ids], k)
        out["overall"][f"pass@{k}"] = summarize(vals, n_boot, seed)
        for key, field in (("families", "family"), ("styles", "style")):
            for g in groups[key]:
                mask = np.array([items[i].get(field) == g for i in ids])
                out[key][g][f"pass@{k}"] = summarize(vals[mask], n_boot, seed)
    return out


def paired_bootstrap(a: np.ndarray, b: np.ndarray, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0,
                     level: float = CI_LEVEL) -> dict:
    """Interval of mean(b) - mean(a) for per-item scores on the same items (same order)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired bootstrap needs scores for the same items")
    diff = b - a
    lo, hi = bootstrap_ci(diff, n_boot, seed, level)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, diff.size, size=(n_boot, diff.size))
    p_le0 = float((diff[idx].mean(axis=1) <= 0).mean())
    return {"gain": float(diff.mean()), "ci95": [lo, hi], "p_gain_le_0": p_le0, "items": int(diff.size)}


def stratified_gap(held: dict, seen: dict, n_boot: int = DEFAULT_BOOTSTRAP, seed: int = 0,
                   level: float = CI_LEVEL) -> dict | None:
    """mean(held) - mean(seen) within strata, averaged with the held group's item counts as weights, and
    its interval (items resampled within each stratum and group; the groups are different items, so this
    is not a paired interval).

    `held`, `seen`: stratum -> per-item scores. Only strata with items in both groups count (a family
    with no held-out item says nothing about the gap). None when no stratum has both."""
    strata = sorted(s for s in held if len(held[s]) and len(seen.get(s, ())))
    if not strata:
        return None
    h = [np.asarray(held[s], dtype=float) for s in strata]
    o = [np.asarray(seen[s], dtype=float) for s in strata]
    w = np.array([x.size for x in h], dtype=float)
    w /= w.sum()
    gap = float(sum(wi * (a.mean() - b.mean()) for wi, a, b in zip(w, h, o)))
    rng = np.random.default_rng(seed)
    boots = np.zeros(n_boot)
    for wi, a, b in zip(w, h, o):
        boots += wi * (a[rng.integers(0, a.size, (n_boot, a.size))].mean(axis=1)
                       - b[rng.integers(0, b.size, (n_boot, b.size))].mean(axis=1))
    lo, hi = np.quantile(boots, [(1 - level) / 2, 1 - (1 - level) / 2])
    return {"gap": gap, "ci95": [float(lo), float(hi)], "strata": strata,
            "weights": {s: float(x) for s, x in zip(strata, w)},
            "held": {"items": int(sum(x.size for x in h)), "mean": float(np.concatenate(h).mean())},
            "seen": {"items": int(sum(x.size for x in o)), "mean": float(np.concatenate(o).mean())}}
