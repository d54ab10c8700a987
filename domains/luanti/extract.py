"""Pull the Lua code or the unified diff out of a raw model completion.

The rule, in order (the same for training references, which are plain code/diffs and pass through):
1. Fenced blocks (``` with an optional language tag; a block left open at the end of the text, as a
   truncated generation leaves it, runs to the end). For kind "lua": the first block tagged lua/luau
   (or untagged, or any other tag) whose body is not a diff. For kind "diff": the first block tagged
   diff/patch/udiff, else the first block whose body looks like a diff (a `--- `/`+++ `/`@@` line).
2. No fence (or only a bare ``` that closes code that was never opened): kind "lua": the text from the first Lua-looking line (a statement keyword, a comment, an
   assignment or a call such as `minetest.register_node(`) to the end, with anything after a stray
   closing fence dropped; kind "diff": from the first `--- `, `diff ` or `@@` line, up to the last line
   that can belong to a diff (the diff rule is domains/patch.py's, shared with other domains).
3. Nothing found, or only whitespace: None (the caller scores format_error).

What it does not do: judge the code (the sandbox does), join several blocks, or repair broken fences.

`answered(text, kind)` says when generation can stop: True only when no continuation of `text` can change
what extract() returns (tests append continuations and compare), so stopping there never changes a score.
"""
from __future__ import annotations

import re

from domains.patch import DIFF_TAGS, FENCE_RE, extract_diff, fenced_blocks, looks_like_diff, unfenced_diff

LUA_START_RE = re.compile(
    r"^\s*(local\s|function[\s(]|if\s|for\s|while\s|repeat\b|return\b|do\b|--|"
    r"(minetest|core|default|vector)\s*[.:\[]|[A-Za-z_][\w.]*\s*(=[^=]|\(|:\w+\s*\())")


def _unfenced_lua(text: str) -> str | None:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if LUA_START_RE.match(line):
            body = lines[i:]
            for j, rest in enumerate(body):
                if rest.strip().startswith("```"):
                    body = body[:j]
                    break
            return "\n".join(body).rstrip("\n") + "\n"
    return None


def extract(text: str, kind: str = "lua") -> str | None:
    """The code (kind="lua") or diff (kind="diff", domains/patch.py's rule) in `text`, or None."""
    if kind not in ("lua", "diff"):
        raise ValueError(f"kind must be 'lua' or 'diff', got {kind!r}")
    if kind == "diff":
        return extract_diff(text)
    blocks = fenced_blocks(text)
    first = re.search(r"^[ \t]*```[ \t]*(\S*)", text, re.M)
    if first and not first.group(1) and _unfenced_lua(text[:first.start()]) is not None:
        blocks = []   # a bare ``` after code that was never opened is a stray closing fence
    found = next((b for t, b in blocks if t not in DIFF_TAGS and not looks_like_diff(b)), None)
    if found is None and not blocks:
        found = _unfenced_lua(text)
    if found is None or not found.strip():
        return None
    return found


def _closed(text: str, m) -> bool:
    """The block matched by FENCE_RE ends on a closing fence line that a continuation cannot extend."""
    return m.end() < len(text) and text[m.end()] == "\n" and m.group(0).rstrip().endswith("```")


def answered(text: str, kind: str = "lua") -> bool:
    """True when extract(text + anything, kind) == extract(text, kind): the answer is written out.

    Cases: a fenced block that extract() picks, closed by a complete fence line, with every block before it
    closed too (for "diff": the first closed block tagged diff/patch/udiff, since an untagged diff-looking
    block loses to a tagged one written later); or code never opened by a fence and ended by a bare fence
    line (extract() then stops at that line). Anything else, an unfenced answer in particular: False.
    """
    first = re.search(r"^[ \t]*```[ \t]*(\S*)[^\n]*\n", text, re.M)
    if first is None:
        return False
    if not first.group(1):
        before = text[:first.start()]
        if (_unfenced_lua(before) if kind == "lua" else unfenced_diff(before)) is not None:
            return True
    for m in FENCE_RE.finditer(text):
        if not _closed(text, m):
            return False
        tag, body = m.group(1).lower(), m.group(2)
        if kind == "diff" and tag in DIFF_TAGS:
            return True
        if kind == "lua" and tag not in DIFF_TAGS and not looks_like_diff(body):
            return True
    return False


def extract_edit(text: str) -> tuple[str, object] | None:
    """A repair answer: ("blocks", [(search, replace)]) for SEARCH/REPLACE blocks (domains/edit.py),
    ("diff", text) for a unified diff, ("code", text) for the whole fixed file; None when there is none.

    The first fenced block decides (its SEARCH/REPLACE blocks, else a diff when tagged diff/patch/udiff
    or diff-looking, else its code); with no fence, or when a bare ``` only closes what came before it,
    the text before the fence is read the same way (blocks, then a diff, then Lua)."""
    from domains.edit import parse_blocks

    first = re.search(r"^[ \t]*```[ \t]*(\S*)", text, re.M)
    before = text[:first.start()] if first else text
    if first is None or not first.group(1):
        if (found := parse_blocks(before)) is not None:
            return "blocks", found
        if first is None or _unfenced_lua(before) is not None or unfenced_diff(before) is not None:
            if (diff := unfenced_diff(before)) is not None:
                return "diff", diff
            code = _unfenced_lua(before)
            return ("code", code) if code and code.strip() else None
    tag, body = fenced_blocks(text)[0]
    if (found := parse_blocks(body)) is not None:
        return "blocks", found
    if tag in DIFF_TAGS or looks_like_diff(body):
        return "diff", body
    return ("code", body) if body.strip() and "<<<<<<<" not in body else None


def answered_edit(text: str) -> bool:
    """True when no continuation can change extract_edit(text): the deciding block is complete (the
    first fenced block closed by a full fence line, or blocks/code ended by a bare closing fence)."""
    first = re.search(r"^[ \t]*```[ \t]*(\S*)[^\n]*\n", text, re.M)
    if first is None:
        return False
    if not first.group(1):
        before = text[:first.start()]
        from domains.edit import parse_blocks

        if parse_blocks(before) is not None or _unfenced_lua(before) is not None \
                or unfenced_diff(before) is not None:
            return True
    m = FENCE_RE.search(text, first.start())
    return bool(m) and _closed(text, m)
