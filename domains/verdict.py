"""The verdict on a free answer (make chat, make serve's `x_verdict`): what was checked, and how many of
the facts the request states the answer meets. Shared by every domain; the facts come from each
domain's own request parser (`Domain.request_facts`) and are checked with the domain's own expectation
machinery.

A `Fact` is one thing a request states (a field's value, a tool, an object count), with a hashable
`key` compared between a parser's output and an eval item's expectations (scripts/open_facts.py) and a
`label` the verdict names it by. `with_facts` folds the per-fact outcome into the validator's Result:
the expectation level holds only when at least one fact was read and all are met, the status is
`wrong_answer` when one is missed, and with no fact read the level is not claimed (it says so instead).
`verdict_label` is the one line the chat prints, e.g. "✓ runs; ✗ 2 of 3 stated facts: light_source missing"
(a mark for the deepest level passed, and one for the stated facts).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from domains.base import Result


@dataclass(frozen=True)
class Fact:
    key: tuple                                   # identity, e.g. ("field", "register_node", "light_source", "14")
    label: str = field(default="", compare=False)   # how the verdict names it, e.g. "light_source"


def with_facts(res: Result, level: str, facts: list[Fact], missed: list[Fact] | None) -> Result:
    """`res` (the validator's Result, `level` not yet decided) with the facts folded in; missed=None
    means the answer did not reach the level before `level`, so no fact was checked."""
    facts = list(dict.fromkeys(facts))
    res.levels[level] = False
    info = {"level": level, "stated": len(facts), "checked": missed is not None, "met": None, "missing": []}
    if missed is not None:
        gone = [f for f in facts if f in set(missed)]
        info.update(met=len(facts) - len(gone), missing=[f.label or str(f.key) for f in gone])
        if gone:
            own = "" if res.passed else f"; {res.status}: {res.detail}"   # the validator's own miss stays
            info["own"] = own
            res.status = "wrong_answer"
            res.detail = f"{len(gone)} of {len(facts)} stated facts not met: {', '.join(info['missing'])}{own}"
        elif facts and res.status == "ok":   # a failure of the validator's own at this level stands
            res.levels[level] = True
    res.level = next((lv for lv, ok in reversed(list(res.levels.items())) if ok), "")
    res.metrics["facts"] = info
    return res


def verdict_label(res: Result) -> str:
    """One line: the deepest level checked, then the stated facts (or that none could be read)."""
    info = res.metrics.get("facts")
    if info is None:   # a check without request facts: the validator's own verdict
        if res.passed:
            return f"✓ {res.level or 'ok'}" + (f"  ({res.detail})" if res.detail else "")
        return f"✗ {res.status} {' '.join(res.detail.split())[:300]}".rstrip()
    n = info["stated"]
    upto = next((lv for lv, ok in reversed(list(res.levels.items())) if ok and lv != info["level"]), "")
    if not info["checked"]:
        where = f" (reached {upto})" if upto else ""
        rest = f"{n} stated fact{'s' * (n != 1)} not checked" if n else "no stated fact read from the request"
        return f"✗ {res.status} {' '.join(res.detail.split())[:300]}{where}; {rest}"
    if not n:
        return f"✓ {upto}; no stated fact could be read from the request: {info['level']} not checked{_own(res)}"
    if info["missing"]:
        own = " ".join(info.get("own", "").split())[:300]
        return f"✓ {upto}; ✗ {info['met']} of {n} stated facts: {', '.join(info['missing'])} missing{own}"
    return f"✓ {upto}; ✓ {n} of {n} stated facts met{_own(res)}"


def _own(res: Result) -> str:
    """The validator's own word after the facts: its failure, or the note a pass carries."""
    detail = " ".join(res.detail.split())[:300]
    if not res.passed:
        return f"; ✗ {res.status} {detail}"
    return f"  ({detail})" if detail else ""


def last_user(messages: list[dict]) -> str:
    """The text of the last user message ('' when there is none)."""
    return next((str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), "")


def score_facts(parsed: list[Fact], gold: list[Fact]) -> tuple[int, int, int]:
    """(true positives, parsed, gold) over distinct fact keys."""
    p, g = set(parsed), set(gold)
    return len(p & g), len(p), len(g)
