"""Data audit, run before any baseline: is this eval set fit to measure the model?

Checks:
* schema: the domain's own loader reads both files; its DataError (file:line) fails the audit;
* train/eval overlap, exact: identical normalised text (domain.dedup_text, lower-cased, whitespace
  collapsed);
* train/eval overlap, near: Jaccard similarity of word 5-gram shingle sets >= threshold, found through an
  inverted index of the training shingles (candidates share at least one uncommon shingle), then the exact
  Jaccard on the candidates;
* duplicates inside the eval set (exact and near), which over-weight some items;
* the gold ceiling: the validator on every eval item's reference answer (a gold answer that fails means
  the item or the validator is broken, and caps what any model can score).

A contaminated eval set (any train/eval overlap) stops the gate unless the user passes
--allow-contaminated; the override is recorded in the audit and in every result. Does not check
semantic overlap (paraphrases with different wording) or overlap with the model's pretraining data.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

from core.errors import UserError
from core.files import atomic_write_json, sha256_file
from domains.base import Result, ToolMissing
from eval.score import ToolMissingError

NEAR_THRESHOLD = 0.8
SHINGLE = 5


class ContaminatedError(UserError):
    """Train/eval overlap found and not overridden."""


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def shingles(text: str, size: int = SHINGLE) -> frozenset:
    words = text.split()
    if len(words) <= size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class ShingleIndex:
    """Inverted index shingle -> doc numbers. Very common shingles (boilerplate) are left out of
    candidate generation only, so they do not turn every pair into a candidate; Jaccard is exact."""

    def __init__(self, docs: list[frozenset]):
        self.docs = docs
        self.post = defaultdict(list)
        for d, sh in enumerate(docs):
            for s in sh:
                self.post[s].append(d)
        self.cap = max(50, len(docs) // 100)

    def near(self, sh: frozenset, threshold: float, skip: int | None = None) -> list[tuple[int, float]]:
        cand = set()
        for s in sh:
            p = self.post.get(s, ())
            if len(p) <= self.cap:
                cand.update(p)
        if not cand and sh:  # all shingles common: fall back to every doc sharing any of them
            for s in sh:
                cand.update(self.post.get(s, ()))
        out = []
        for d in cand:
            if d == skip:
                continue
            other = self.docs[d]
            inter = len(sh & other)
            jac = inter / (len(sh) + len(other) - inter) if inter else 0.0
            if jac >= threshold:
                out.append((d, round(jac, 4)))
        return sorted(out, key=lambda x: (-x[1], x[0]))


def overlap(train: list[dict], evals: list[dict], domain, threshold: float) -> dict:
    """Exact and near duplicates between train and eval, and inside eval."""
    tn = [normalise(domain.dedup_text(it)) for it in train]
    en = [normalise(domain.dedup_text(it)) for it in evals]
    tdig = defaultdict(list)
    for i, t in enumerate(tn):
        tdig[_digest(t)].append(train[i]["id"])
    exact = [{"eval_id": evals[j]["id"], "train_ids": tdig[_digest(t)]} for j, t in enumerate(en)
             if _digest(t) in tdig]
    exact_ids = {e["eval_id"] for e in exact}
    tindex = ShingleIndex([shingles(t) for t in tn])
    esh = [shingles(t) for t in en]
    near = []
    for j, sh in enumerate(esh):
        if evals[j]["id"] in exact_ids:
            continue
        hits = tindex.near(sh, threshold)
        if hits:
            near.append({"eval_id": evals[j]["id"], "matches": [{"train_id": train[d]["id"], "jaccard": s}
                                                               for d, s in hits[:5]]})
    eindex = ShingleIndex(esh)
    ecount = Counter(_digest(t) for t in en)
    inside_exact = sorted({evals[j]["id"] for j, t in enumerate(en) if ecount[_digest(t)] > 1})
    inside_near = []
    for j, sh in enumerate(esh):
        for d, s in eindex.near(sh, threshold, skip=j):
            if d > j and evals[j]["id"] not in inside_exact:
                inside_near.append({"a": evals[j]["id"], "b": evals[d]["id"], "jaccard": s})
    return {"train_eval_exact": exact, "train_eval_near": near, "eval_exact_duplicates": inside_exact,
            "eval_near_duplicates": inside_near}


def gold_ceiling(domain, evals: list[dict]) -> dict:
    """Validator on the reference answers: the best score any model can get on this set."""
    fails, by_fam = [], defaultdict(lambda: [0, 0])
    for it in evals:
        try:
            res = domain.validate(it, domain.reference(it))
        except ToolMissing as exc:
            raise ToolMissingError(f"gold ceiling: validator toolchain missing for {domain.name!r}: {exc}; "
                                   "install it (gate A) and rerun") from exc
        if not isinstance(res, Result):
            raise TypeError(f"{domain.name}.validate returned {type(res).__name__}, expected Result")
        if res.status == "tool_missing":
            raise ToolMissingError(f"gold ceiling: validator toolchain missing: {res.detail}")
        fam = by_fam[it.get("family", "")]
        fam[0] += int(res.passed)
        fam[1] += 1
        if not res.passed:
            fails.append({"id": it["id"], "status": res.status, "detail": res.detail[:300]})
    total = len(evals) or 1
    return {"pass_rate": round(sum(v[0] for v in by_fam.values()) / total, 6),
            "families": {f: round(p / n, 6) for f, (p, n) in sorted(by_fam.items())},
            "failures": fails}


def run_audit(domain, eval_path, train_path, out_path, allow_contaminated: bool = False,
              threshold: float = NEAR_THRESHOLD, eval_items=None) -> dict:
    """Audit, write `out_path` (atomically, also when the audit fails), raise ContaminatedError on overlap
    unless allowed. Schema errors (DataError) propagate before anything is written."""
    evals = eval_items if eval_items is not None else domain.load(eval_path)
    train = domain.load(train_path) if train_path else []
    ov = overlap(train, evals, domain, threshold) if train else None
    contaminated = bool(ov and (ov["train_eval_exact"] or ov["train_eval_near"]))
    report = {
        "eval": {"path": str(eval_path), "sha256": sha256_file(eval_path), "items": len(evals)},
        "train": ({"path": str(train_path), "sha256": sha256_file(train_path), "items": len(train)}
                  if train_path else None),
        "near_threshold": threshold, "shingle_words": SHINGLE,
        "overlap": ov, "gold_ceiling": gold_ceiling(domain, evals),
        "contaminated": contaminated, "allow_contaminated": bool(allow_contaminated),
        "verdict": "contaminated" if contaminated else "clean",
        "warnings": _warnings(ov, train_path),
    }
    atomic_write_json(out_path, report)
    if contaminated and not allow_contaminated:
        n = len(ov["train_eval_exact"]) + len(ov["train_eval_near"])
        first = (ov["train_eval_exact"] or ov["train_eval_near"])[0]["eval_id"]
        raise ContaminatedError(f"eval set {eval_path} overlaps the training set {train_path}: {n} eval "
                                f"item(s) duplicated or near-duplicated (first: {first!r}); see {out_path}. "
                                "Fix the split, or rerun with --allow-contaminated (recorded in every result)")
    return report


def _warnings(ov, train_path) -> list[str]:
    w = []
    if not train_path:
        w.append("no training set given: train/eval overlap was not checked")
    if ov and ov["eval_exact_duplicates"]:
        w.append(f"{len(ov['eval_exact_duplicates'])} eval items are exact duplicates of other eval items")
    if ov and ov["eval_near_duplicates"]:
        w.append(f"{len(ov['eval_near_duplicates'])} near-duplicate pairs inside the eval set")
    return w


def summary(report: dict) -> dict:
    """The part of an audit every results file carries."""
    ov = report.get("overlap") or {}
    return {"verdict": report["verdict"], "allow_contaminated": report["allow_contaminated"],
            "train_eval_exact": len(ov.get("train_eval_exact", [])),
            "train_eval_near": len(ov.get("train_eval_near", [])),
            "eval_duplicates": len(ov.get("eval_exact_duplicates", [])),
            "gold_ceiling": report["gold_ceiling"]["pass_rate"],
            "train_sha256": (report.get("train") or {}).get("sha256")}


def default_train_path(domain, train_arg) -> Path | None:
    if train_arg in ("none", "-"):
        return None
    if train_arg:
        return Path(train_arg)
    return Path(domain.default_train) if domain.default_train else None
