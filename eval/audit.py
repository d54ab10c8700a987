"""Data audit, run before any baseline: is this eval set fit to measure the model?

Checks:
* schema: the domain's own loader reads both files; its DataError (file:line) fails the audit. What the
  loader accepted but flagged (a repeated id loaded under a new one) is listed as a schema warning;
* train/eval overlap, exact: identical normalised text (domain.dedup_text, lower-cased, whitespace
  collapsed);
* train/eval overlap, near: Jaccard similarity of word 5-gram shingle sets >= threshold, found through an
  inverted index of the training shingles (candidates share at least one uncommon shingle), then the exact
  Jaccard on the candidates;
* train/eval overlap, template-near: same shape (domain.template_text: names, strings and numbers as
  placeholders) but neither exact nor near; a template filled in again. Always reported with a count
  and examples; contamination only when its share of the eval set exceeds `template_threshold`;
* duplicates inside the eval set (exact and near) and inside the training set (exact), with their
  lines: a duplicate is an item whose text repeats an earlier item's;
* the gold ceiling: the validator on every eval item's reference answer (a gold answer that fails means
  the item or the validator is broken, and caps what any model can score), with every failing item;
* input passes: eval items of an edit family whose input, left unchanged, passes their own check
  (domains/check.py input_passes): they cannot tell a fix from no fix, and are left out of scoring like
  broken gold unless kept.

A contaminated eval set (exact or near train/eval overlap) stops the gate unless the user passes
--allow-contaminated; the override is recorded in the audit and in every result. Does not check
semantic overlap (paraphrases with different wording) or overlap with the model's pretraining data.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

from core.errors import UserError
from core.files import atomic_write_json, sha256_file, shipped
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


def _groups(items: list[dict], texts: list[str]) -> list[dict]:
    """Items sharing one normalised text: [{"ids", "lines"}] in file order, only groups of 2 or more."""
    by = defaultdict(list)
    for it, t in zip(items, texts):
        by[_digest(t)].append(it)
    return [{"ids": [it["id"] for it in g], "lines": [it.get("line") for it in g]}
            for g in by.values() if len(g) > 1]


def overlap(train: list[dict], evals: list[dict], domain, threshold: float) -> dict:
    """Exact, near and template-near overlap between train and eval items."""
    tn = [normalise(domain.dedup_text(it)) for it in train]
    en = [normalise(domain.dedup_text(it)) for it in evals]
    tdig = defaultdict(list)
    for i, t in enumerate(tn):
        tdig[_digest(t)].append(train[i]["id"])
    exact = [{"eval_id": evals[j]["id"], "line": evals[j].get("line"), "train_ids": tdig[_digest(t)]}
             for j, t in enumerate(en) if _digest(t) in tdig]
    exact_ids = {e["eval_id"] for e in exact}
    tindex = ShingleIndex([shingles(t) for t in tn])
    esh = [shingles(t) for t in en]
    near = []
    for j, sh in enumerate(esh):
        if evals[j]["id"] in exact_ids:
            continue
        hits = tindex.near(sh, threshold)
        if hits:
            near.append({"eval_id": evals[j]["id"], "line": evals[j].get("line"),
                         "matches": [{"train_id": train[d]["id"], "jaccard": s} for d, s in hits[:5]]})
    taken = exact_ids | {n["eval_id"] for n in near}
    return {"train_eval_exact": exact, "train_eval_near": near,
            "train_eval_template": template_near(train, evals, domain, taken)}


def duplicates(train: list[dict], evals: list[dict], domain, threshold: float) -> dict:
    """Items repeating an earlier item of the same set (exact, with lines), and near pairs inside eval."""
    en = [normalise(domain.dedup_text(it)) for it in evals]
    eval_groups = _groups(evals, en)
    exact_ids = {i for g in eval_groups for i in g["ids"]}
    esh = [shingles(t) for t in en]
    eindex = ShingleIndex(esh)
    near = [{"a": evals[j]["id"], "b": evals[d]["id"], "jaccard": s}
            for j, sh in enumerate(esh) for d, s in eindex.near(sh, threshold, skip=j)
            if d > j and evals[j]["id"] not in exact_ids]
    train_groups = _groups(train, [normalise(domain.dedup_text(it)) for it in train])
    return {"eval": eval_groups, "eval_count": duplicate_count(eval_groups), "eval_near": near,
            "train": train_groups, "train_count": duplicate_count(train_groups)}


def template_near(train: list[dict], evals: list[dict], domain, skip: set) -> list[dict]:
    """Eval items (not in `skip`) whose shape equals a training item's shape."""
    shapes = defaultdict(list)
    for it in train:
        shapes[domain.template_text(it)].append(it["id"])
    out = []
    for it in evals:
        if it["id"] in skip:
            continue
        shape = domain.template_text(it)
        if shape in shapes:
            out.append({"eval_id": it["id"], "line": it.get("line"), "train_ids": shapes[shape][:5],
                        "shape": shape[:160]})
    return out


def duplicate_count(groups: list[dict]) -> int:
    """Items that repeat an earlier item (the second and later members of each group)."""
    return sum(len(g["ids"]) - 1 for g in groups)


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
            fails.append({"id": it["id"], "line": it.get("line"), "family": it.get("family", ""),
                          "status": res.status, "level": res.level, "detail": res.detail[:300]})
    passed = sum(v[0] for v in by_fam.values())
    return {"passed": passed, "total": len(evals), "pass_rate": round(passed / (len(evals) or 1), 6),
            "families": {f: round(p / n, 6) for f, (p, n) in sorted(by_fam.items())},
            "failures": fails}


def input_passes_report(domain, evals: list[dict]) -> dict:
    """{"checked": edit items tried, "items": [{"id", "line", "family", "detail"}]} (domains.check)."""
    from domains.check import input_passes

    try:
        found = input_passes(domain, evals)
    except ToolMissing as exc:
        raise ToolMissingError(f"input check: validator toolchain missing for {domain.name!r}: {exc}") from exc
    return {"checked": sum(it.get("family") in domain.edit_families for it in evals), "items": found}


def run_audit(domain, eval_path, train_path, out_path, allow_contaminated: bool = False,
              threshold: float = NEAR_THRESHOLD, eval_items=None, template_threshold: float | None = None) -> dict:
    """Audit, write `out_path` (atomically, also when the audit fails), raise ContaminatedError on overlap
    unless allowed. Schema errors (DataError) propagate before anything is written.
    `template_threshold`: template-near items count as contamination when their share of the eval set
    is above it (None: never)."""
    evals = eval_items if eval_items is not None else domain.load(eval_path)
    train = domain.load(train_path) if train_path else []
    ov = overlap(train, evals, domain, threshold) if train else None
    template_share = len(ov["train_eval_template"]) / (len(evals) or 1) if ov else 0.0
    template_hit = template_threshold is not None and template_share > template_threshold
    contaminated = bool(ov and (ov["train_eval_exact"] or ov["train_eval_near"] or template_hit))
    report = {
        "eval": {"path": str(eval_path), "sha256": sha256_file(eval_path), "items": len(evals),
                 **domain.data_notes(evals)},
        "train": ({"path": str(train_path), "sha256": sha256_file(train_path), "items": len(train)}
                  if train_path else None),
        "near_threshold": threshold, "shingle_words": SHINGLE, "template_threshold": template_threshold,
        "overlap": ov, "duplicates": duplicates(train, evals, domain, threshold),
        "gold_ceiling": gold_ceiling(domain, evals),
        "input_passes": input_passes_report(domain, evals),
        "contaminated": contaminated, "allow_contaminated": bool(allow_contaminated),
        "verdict": "contaminated" if contaminated else "clean",
        "schema_warnings": schema_warnings(evals, eval_path) + schema_warnings(train, train_path),
    }
    report["warnings"] = _warnings(ov, report["duplicates"], train_path)
    if report["input_passes"]["items"]:
        report["warnings"].append(f"{len(report['input_passes']['items'])} eval item(s) pass their own check "
                                  "with the input unchanged (they cannot tell a fix from no fix)")
    atomic_write_json(out_path, report)
    if contaminated and not allow_contaminated:
        hits = ov["train_eval_exact"] + ov["train_eval_near"] + (ov["train_eval_template"] if template_hit else [])
        raise ContaminatedError(f"eval set {eval_path} overlaps the training set {train_path}: {len(hits)} eval "
                                f"item(s) duplicated, near-duplicated or template-near above the threshold "
                                f"(first: {hits[0]['eval_id']!r}); see {out_path}. Fix the split, or rerun "
                                "with --allow-contaminated (recorded in every result)")
    return report


def schema_warnings(items: list[dict], path) -> list[str]:
    """What the loader accepted but flagged: items that repeat an earlier one (domains/loading.py), each
    loaded under its own id."""
    from domains.loading import duplicate_note

    return [f"{path}:{it.get('line')}: {duplicate_note(it)}; loaded as its own item"
            for it in items if "duplicate_of" in it]


def _warnings(ov, dup: dict, train_path) -> list[str]:
    w = []
    if not train_path:
        w.append("no training set given: train/eval overlap was not checked")
    if dup["eval_count"]:
        w.append(f"{dup['eval_count']} eval items repeat an earlier eval item")
    if dup["eval_near"]:
        w.append(f"{len(dup['eval_near'])} near-duplicate pairs inside the eval set")
    if ov and ov["train_eval_template"]:
        w.append(f"{len(ov['train_eval_template'])} eval items are template-near a training item")
    return w


def summary(report: dict) -> dict:
    """The part of an audit every results file carries."""
    ov = report.get("overlap") or {}
    gold = report["gold_ceiling"]
    return {"verdict": report["verdict"], "allow_contaminated": report["allow_contaminated"],
            "train_eval_exact": len(ov.get("train_eval_exact", [])),
            "train_eval_near": len(ov.get("train_eval_near", [])),
            "train_eval_template": len(ov.get("train_eval_template", [])),
            "eval_duplicates": report["duplicates"]["eval_count"],
            "train_duplicates": report["duplicates"]["train_count"],
            "gold_ceiling": gold["pass_rate"], "gold_failures": len(gold["failures"]),
            "input_passes": len((report.get("input_passes") or {}).get("items", [])),
            "schema_warnings": len(report.get("schema_warnings", [])),
            "train_sha256": (report.get("train") or {}).get("sha256")}


def default_train_path(domain, train_arg) -> Path | None:
    if train_arg in ("none", "-"):
        return None
    if train_arg:
        return Path(train_arg)
    return Path(shipped(domain.default_train)) if domain.default_train else None
