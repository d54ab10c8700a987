"""Check-references: score every item's gold answer with its domain's own validator ("gold ceiling").

A reference that fails means either the data or the validator is wrong; both must be fixed before a
model is scored against them. This checks nothing about models, only the items and the validator.

`input_passes(domain, items)`: the items of an edit family (Domain.edit_families) whose input, left as
it is, passes the item's own check (Domain.input_result: the no-op rule aside). Such an item cannot
tell a fix from no fix; the audit and check-refs list it, and the gates leave it out of scoring unless
kept (--keep-input-passes), as they do broken gold.
"""
from __future__ import annotations

from collections import Counter

from domains.base import Result


def check_references(domain, items, **validate_kwargs) -> list[tuple[str, Result]]:
    """(item id, Result) for every item, in order; validate_kwargs go to domain.validate (e.g. server=True).
    The domain's `warm(completions)` (Unity: one compiler run for many scripts) gets every reference
    first; the verdicts still come from domain.validate, one item at a time."""
    domain.warm([domain.reference(item) for item in items])
    return [(item["id"], domain.validate(item, domain.reference(item), **validate_kwargs)) for item in items]


def summary(items, results: list[tuple[str, Result]]) -> dict:
    """Counts overall and per family: {"passed", "total", "by_family": {fam: [passed, total]}, "statuses",
    "levels": {level: how many answers reached it}} (levels in the validators' order)."""
    fam = {item["id"]: item.get("family", "") for item in items}
    by_family: dict = {}
    for item_id, res in results:
        p_t = by_family.setdefault(fam.get(item_id, ""), [0, 0])
        p_t[0] += int(res.passed)
        p_t[1] += 1
    return {"passed": sum(r.passed for _, r in results), "total": len(results), "by_family": by_family,
            "statuses": dict(Counter(r.status for _, r in results)),
            "levels": dict(Counter(name for _, r in results for name, ok in r.levels.items() if ok))}


INPUT_PASSES = "its input, left unchanged, passes the item's own check: it cannot tell a fix from no fix"


def input_passes(domain, items) -> list[dict]:
    """[{"id", "line", "family", "detail"}] of the edit items whose unchanged input passes (see above)."""
    edits = [it for it in items if it.get("family") in domain.edit_families]
    warm = getattr(domain, "warm", None)
    if edits and callable(warm):
        warm([domain.input_answer(it) for it in edits])
    out = []
    for it in edits:
        res = domain.input_result(it)
        if res is not None and res.passed:
            out.append({"id": it["id"], "line": it.get("line"), "family": it.get("family", ""),
                        "detail": INPUT_PASSES})
    return out
