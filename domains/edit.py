"""SEARCH/REPLACE edit blocks: a repair answer that copies only the lines it changes (and as few
context lines as make them unique), instead of a whole file or a unified diff with exact context and
line numbers. Shared by any domain whose repair answers edit one file; nothing here knows a language.

    <<<<<<< SEARCH
    	descripton = "Stone",
    =======
    	description = "Stone",
    >>>>>>> REPLACE

`parse_blocks(text)`: every complete block in the text, in order (None when there is none; a block left
open is not a block). `apply_blocks(text, blocks)`: each block in turn replaces its SEARCH lines, which
must occur exactly once in the current text: first compared exactly, then with leading and trailing
whitespace ignored (a model that re-indents still hits its lines); zero or several matches raise
EditFailed naming the block. An empty SEARCH is refused (it says nothing about where).
`make_blocks(old, new)`: the blocks that turn `old` into `new`, each widened by context lines until its
SEARCH text is unique in `old` (used by data builders to write reference answers).

The no-op rule, shared by every domain with an edit family (Domain.edit_families: Luanti repair, Unity
cs_repair, three.js edit and fix), whatever form the answer took (blocks, a diff, the whole file):
`unchanged(source, code)` is True when the code after the answer is applied equals the item's input once
normalised (line endings unified, each line's whitespace runs collapsed and its ends stripped, blank
lines dropped: none of these languages gives whitespace between tokens a meaning, and a re-indented
copy of the input is still no fix). `no_change(levels, metrics)` is the verdict such an answer gets:
`wrong_answer`, "the answer leaves the input unchanged", at the levels reached so far (nothing after
them is checked). A change of whitespace alone (inside a string too) counts as none. Not caught: a change
that only touches comments (the domain's own checks must fail it: the audit's "input passes" class finds
items whose unchanged input would pass them).
"""
from __future__ import annotations

import difflib
import re

BLOCK_RE = re.compile(r"^[ \t]*<{5,9} ?SEARCH[ \t]*\n(.*?)^[ \t]*={5,9}[ \t]*\n(.*?)^[ \t]*>{5,9} ?REPLACE[ \t]*$",
                      re.M | re.S)
HEAD, MID, TAIL = "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"


NO_CHANGE = "the answer leaves the input unchanged"


def normalised(code: str) -> list[str]:
    """The lines the no-op rule compares (see the module docstring)."""
    lines = (" ".join(ln.split()) for ln in str(code or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [ln for ln in lines if ln]


def unchanged(source: str, code: str) -> bool:
    return normalised(source) == normalised(code)


def no_change(levels: dict, metrics: dict | None = None):
    """The Result of an edit answer that leaves the input as it was."""
    from domains.base import Result

    reached = [name for name, ok in levels.items() if ok]
    return Result("wrong_answer", NO_CHANGE, level=reached[-1] if reached else "", levels=dict(levels),
                  metrics={**(metrics or {}), "edit_no_change": 1})


class EditFailed(ValueError):
    """A block's SEARCH text is not in the file exactly once (a wrong answer, not a format error)."""


def parse_blocks(text: str) -> list[tuple[list[str], list[str]]] | None:
    """[(search lines, replace lines)] of every complete block, or None when the text has none."""
    out = []
    for m in BLOCK_RE.finditer(text or ""):
        out.append((_lines(m.group(1)), _lines(m.group(2))))
    return out or None


def _lines(body: str) -> list[str]:
    return body.split("\n")[:-1] if body.endswith("\n") else body.split("\n") if body else []


def _find(src: list[str], search: list[str]) -> list[int]:
    n = len(search)
    hits = [i for i in range(len(src) - n + 1) if src[i:i + n] == search]
    if hits:
        return hits
    want = [s.strip() for s in search]
    return [i for i in range(len(src) - n + 1) if [s.strip() for s in src[i:i + n]] == want]


def apply_blocks(text: str, blocks) -> str:
    src = text.split("\n")
    for k, (search, replace) in enumerate(blocks, 1):
        if not any(s.strip() for s in search):
            raise EditFailed(f"block {k}: empty SEARCH (it must quote the lines to change)")
        hits = _find(src, search)
        if len(hits) != 1:
            where = "not found" if not hits else f"found {len(hits)} times (lines {', '.join(str(h + 1) for h in hits[:5])})"
            raise EditFailed(f"block {k}: SEARCH {search[0].strip()[:60]!r}... {where} in the file")
        i = hits[0]
        src[i:i + len(search)] = replace
    return "\n".join(src)


def _unique(src: list[str], lo: int, hi: int) -> bool:
    return hi > lo and len(_find(src, src[lo:hi])) == 1


def make_blocks(old: str, new: str) -> list[tuple[list[str], list[str]]]:
    """Minimal blocks turning old into new; each SEARCH widened (before, then after) until unique."""
    a, b = old.split("\n"), new.split("\n")
    blocks = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        lo, hi, before, after = i1, i2, 0, 0
        while not _unique(a, lo, hi):
            if lo > 0 and (before <= after or hi >= len(a)):
                lo, before = lo - 1, before + 1
            elif hi < len(a):
                hi, after = hi + 1, after + 1
            else:
                raise ValueError("no unique context for an edit block")
        blocks.append((a[lo:hi], a[lo:i1] + b[j1:j2] + a[i2:hi]))
    # later blocks were found against the old text: apply_blocks runs them in order on the changing
    # text, which holds as long as a block's context does not overlap an earlier block's change
    return blocks


def render_blocks(blocks) -> str:
    out = []
    for search, replace in blocks:
        out += [HEAD, *search, MID, *replace, TAIL]
    return "\n".join(out) + "\n"
