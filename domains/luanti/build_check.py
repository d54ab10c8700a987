"""Checks the builder runs on every item before it is published, and the train/eval leakage audit.

* `check_item(item, ev)` -> None or the reason the item is unfit: the reference must compile in
  LuaJIT, load in the builder's strict mock and meet its own `expect`; for repair the input must FAIL
  (parse error, load error or unmet expectation) and the reference diff applied to it must give code
  that passes. The project's validator (domains/luanti) is the authority; this only keeps obviously
  broken items out, so the data can be built and tested without it.
* `apply_unified_diff(text, diff)` strict applier (context must match exactly; no fuzz).
* `near_duplicates(eval_items, train_items)` normalised-text char 5-gram and word 3-gram Jaccard.
"""
from __future__ import annotations

import re

from domains.luanti.build_lua import compiles, matches

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_unified_diff(text: str, diff: str) -> str:
    src = text.split("\n")
    out, pos = [], 0
    lines = diff.split("\n")
    i = 0
    while i < len(lines) and not lines[i].startswith("@@"):
        i += 1
    while i < len(lines):
        m = _HUNK.match(lines[i])
        if not m:
            i += 1
            continue
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        out += src[pos:start]
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            ln = lines[i]
            if ln.startswith(" ") or ln.startswith("-"):
                if pos >= len(src) or src[pos] != ln[1:]:
                    raise ValueError(f"context mismatch at line {pos + 1}: {ln!r}")
                if ln.startswith(" "):
                    out.append(src[pos])
                pos += 1
            elif ln.startswith("+"):
                out.append(ln[1:])
            i += 1
    out += src[pos:]
    return "\n".join(out)


def verdict(code: str, expect: dict, ev) -> str | None:
    err = compiles(code)
    if err:
        return f"syntax: {err}"
    from domains.luanti.expect import modname_for

    calls, err = ev.record(code, modname_for(expect, code=code))
    if err:
        return f"runtime: {err}"
    return matches(expect, calls)


def check_item(item: dict, ev) -> str | None:
    if item["family"] != "repair":
        return verdict(item["output"], item["expect"], ev)
    if verdict(item["input"], item["expect"], ev) is None:
        return "repair input already passes"
    from domains.edit import apply_blocks, parse_blocks

    blocks = parse_blocks(item["output"])
    try:
        fixed = apply_blocks(item["input"], blocks) if blocks else apply_unified_diff(item["input"], item["output"])
    except ValueError as exc:
        return f"edit does not apply: {exc}"
    problem = verdict(fixed, item["expect"], ev)
    return f"patched input fails: {problem}" if problem else None


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def shingles(text: str) -> tuple[set, set]:
    t = normalise(text)
    words = t.split()
    return ({t[i:i + 5] for i in range(max(1, len(t) - 4))},
            {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))})


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_duplicates(eval_texts: list[str], train_texts: list[str], threshold: float):
    """[(eval index, best train index, char J, word J)] for pairs at/over threshold; and the max seen."""
    train = [shingles(t) for t in train_texts]
    hits, worst = [], 0.0
    for e, text in enumerate(eval_texts):
        ch, wd = shingles(text)
        best = (0.0, 0.0, -1)
        for t, (tc, tw) in enumerate(train):
            cj, wj = jaccard(ch, tc), jaccard(wd, tw)
            if max(cj, wj) > max(best[0], best[1]):
                best = (cj, wj, t)
        worst = max(worst, best[0], best[1])
        if max(best[0], best[1]) >= threshold:
            hits.append((e, best[2], round(best[0], 4), round(best[1], 4)))
    return hits, round(worst, 4)
