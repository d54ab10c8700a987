"""Find a unified diff in a model's answer, parse it and apply it to one file's text, with roughly the
tolerance of GNU `patch`. Shared by the domains whose repair answers are diffs (luanti's `init.lua`,
unity_csharp's `Script.cs`); nothing here knows a language.

How it finds the diff (`extract_diff`): the first fenced block tagged diff/patch/udiff, else the first
fenced block whose body looks like a diff (a `--- `/`+++ `/`@@ ` line and an `@@`); with no fence (or only
a bare ``` that closes a diff never opened), from the first `--- `, `diff ` or `@@` line up to the last
line that can belong to a diff. None when there is none (the caller scores format_error).

What it accepts: `---`/`+++` headers (optional `diff ...`/`index ...` lines before them; timestamps after
a tab are ignored) naming one relative file, followed by `@@ -l,s +l,s @@` hunks. As `patch -p1` treats
a one-file patch, the first path component is dropped when there are several (`a/init.lua`,
`b/mymod/init.lua`), and the one file named (`init.lua`, `Script.cs`, `mymod/init.lua`) is the item's
input, whatever its name. Hunk line counts are NOT trusted (models miscount): a hunk is the run of ' ',
'-', '+' (and empty = blank context) lines up to the next header. A diff with no headers but with hunks
is accepted for the same file.

How it applies: hunks in order; each hunk's old side (context + removed lines) is searched for at the
stated line (shifted by the offset of the previous hunks), then at the nearest position in either
direction not before the previous hunk (an "offset"); failing that, with trailing whitespace ignored;
failing that, with up to FUZZ context lines dropped from each end (GNU patch's default fuzz is 2).

What it refuses (PatchError, a format error to the caller, with the reason): text that has no hunk;
paths that are absolute or contain `..`; headers naming several different files (after -p1), since the
item has one input file. A hunk whose old side is
not found raises HunkFailed (a PatchError subclass the caller scores as a wrong answer). It does not support renames, binary diffs, or creating/deleting files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

FUZZ = 2
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
FENCE_RE = re.compile(r"^[ \t]*```[ \t]*([\w+#-]*)[^\n]*\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)", re.M | re.S)
DIFF_LINE_RE = re.compile(r"^(--- |\+\+\+ |@@|[ +\-]|diff |index |\\ No newline|$)")
DIFF_TAGS = {"diff", "patch", "udiff"}


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(tag, body) of every fenced block, in order; a block left open at the end runs to the end."""
    return [(m.group(1).lower(), m.group(2)) for m in FENCE_RE.finditer(text)]


def looks_like_diff(body: str) -> bool:
    return bool(re.search(r"^(--- |\+\+\+ |@@ )", body, re.M)) and "@@" in body


def unfenced_diff(text: str) -> str | None:
    """From the first `--- `, `diff ` or `@@` line to the last line that can belong to a diff."""
    lines = text.split("\n")
    start = next((i for i, ln in enumerate(lines)
                  if ln.startswith("--- ") or ln.startswith("diff ") or ln.startswith("@@")), None)
    if start is None:
        return None
    end = start
    for j in range(start, len(lines)):
        if lines[j].strip().startswith("```") or not DIFF_LINE_RE.match(lines[j]):
            break
        end = j
    return "\n".join(lines[start:end + 1]) + "\n"


def extract_diff(text: str) -> str | None:
    """The diff in a raw answer (rule in the module docstring), or None."""
    blocks = fenced_blocks(text)
    first = re.search(r"^[ \t]*```[ \t]*(\S*)", text, re.M)
    if first and not first.group(1) and unfenced_diff(text[:first.start()]) is not None:
        blocks = []   # a bare ``` after a diff that was never opened is a stray closing fence
    found = next((b for t, b in blocks if t in DIFF_TAGS), None)
    if found is None:
        found = next((b for _, b in blocks if looks_like_diff(b)), None)
    if found is None and not blocks:
        found = unfenced_diff(text)
    return found if found is not None and found.strip() else None


class PatchError(ValueError):
    """The diff is malformed or refused; the message says which and where."""


class HunkFailed(PatchError):
    """The diff is well-formed but a hunk's old lines are not in the input (a wrong answer)."""


@dataclass
class Hunk:
    old_start: int                       # 1-based line in the original, 0 if unknown
    lines: list = field(default_factory=list)   # (op, text) with op in " ", "-", "+"

    def old(self) -> list[str]:
        return [t for op, t in self.lines if op != "+"]

    def new(self) -> list[str]:
        return [t for op, t in self.lines if op != "-"]


def file_name(raw: str) -> str:
    """The file a ---/+++ header names, as `patch -p1` sees it in a one-file patch; PatchError if refused."""
    path = raw.split("\t", 1)[0].strip()
    if path.startswith('"') and path.endswith('"'):
        path = path[1:-1]
    if path == "/dev/null":
        raise PatchError("creating or deleting files is not allowed; edit the file in place")
    if path.startswith("/") or path.startswith("\\") or re.match(r"^[A-Za-z]:", path):
        raise PatchError(f"refused absolute path {path!r}; the diff must name the file relative to the mod")
    parts = [p for p in re.split(r"[\\/]+", path) if p not in ("", ".")]
    if ".." in parts:
        raise PatchError(f"refused path {path!r} (contains '..'); the diff may not leave the mod's folder")
    if not parts:
        raise PatchError(f"refused path {path!r}: no file name")
    return "/".join(parts[1:] if len(parts) > 1 else parts)   # -p1


def parse_diff(text: str) -> list[Hunk]:
    """The hunks of a single-file unified diff; PatchError if it is not one."""
    hunks: list[Hunk] = []
    names: list[str] = []
    headers = 0
    cur: Hunk | None = None
    after_old = False
    for lineno, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        is_old = line.startswith("--- ") and (cur is None or _header_follows(text, lineno))
        is_new = line.startswith("+++ ") and (cur is None or after_old)
        after_old = is_old
        # inside a hunk, '--- x' is a removed Lua comment and '+++ x' an added line, unless they
        # form a ---/+++ header pair
        if is_old or is_new:
            name = file_name(line[4:])
            names += [name] if name not in names else []
            headers += 1
            if len(names) > 1:
                raise PatchError(f"the diff names several files ({', '.join(names)}); a repair diff "
                                 "changes the one file of the item's input")
            if headers > 2 and is_old:
                raise PatchError(f"the diff has a second header for {name}; a repair diff has one")
            cur = None
            continue
        m = HUNK_RE.match(line)
        if m or line.startswith("@@"):
            cur = Hunk(int(m.group(1)) if m else 0)
            hunks.append(cur)
            continue
        if cur is None:
            continue   # diff/index lines and chatter between fences
        if line.startswith("\\"):
            continue   # "\ No newline at end of file"
        if line == "":
            cur.lines.append((" ", ""))
        elif line[0] in " -+":
            cur.lines.append((line[0], line[1:]))
        else:
            cur = None  # the hunk ended; anything after it is not part of the diff
    hunks = [h for h in hunks if _trim_blank_tail(h) and any(op != " " for op, _ in h.lines)]
    if not hunks:
        raise PatchError("not a unified diff: no @@ hunk with changes found")
    return hunks


def _header_follows(text: str, lineno: int) -> bool:
    lines = text.replace("\r\n", "\n").split("\n")
    return lineno < len(lines) and lines[lineno].startswith("+++ ")


def _trim_blank_tail(h: Hunk) -> bool:
    # a trailing empty line is usually the end of the text, not a blank context line
    while h.lines and h.lines[-1] == (" ", ""):
        h.lines.pop()
    return bool(h.lines)


def _find(lines: list[str], old: list[str], want: int, lo: int, loose: bool) -> int:
    """Index where `old` occurs in lines[lo:], nearest to `want`; -1 if nowhere."""
    norm = (lambda s: s.rstrip()) if loose else (lambda s: s)
    o = [norm(x) for x in old]
    n = len(o)
    limit = len(lines) - n
    if limit < lo:
        return -1
    want = min(max(want, lo), limit)
    for delta in range(0, max(want - lo, limit - want) + 1):
        for pos in (want - delta, want + delta):
            if lo <= pos <= limit and all(norm(lines[pos + k]) == o[k] for k in range(n)):
                return pos
    return -1


def _locate(lines, hunk: Hunk, want: int, lo: int):
    """(position, lines of the hunk actually used) trying exact, loose whitespace, then fuzz."""
    ops = hunk.lines
    for fuzz in range(FUZZ + 1):
        head = 0
        while head < fuzz and head < len(ops) and ops[head][0] == " ":
            head += 1
        tail = 0
        while tail < fuzz and tail < len(ops) - head and ops[len(ops) - 1 - tail][0] == " ":
            tail += 1
        if fuzz and head + tail == 0:
            break
        use = ops[head:len(ops) - tail]
        old = [t for op, t in use if op != "+"]
        for loose in (False, True):
            pos = _find(lines, old, want + head, lo, loose) if old else min(max(want, lo), len(lines))
            if pos >= 0:
                return pos, use
    return -1, None


def apply_diff(original: str, hunks: list[Hunk]) -> str:
    """Apply parsed hunks to `original`; PatchError naming the hunk that does not apply."""
    trailing_nl = original.endswith("\n")
    lines = original.split("\n")
    if trailing_nl:
        lines.pop()
    offset, lo = 0, 0
    for i, hunk in enumerate(hunks, 1):
        want = (hunk.old_start - 1 if hunk.old_start > 0 else lo) + offset
        pos, use = _locate(lines, hunk, want, lo)
        if pos < 0:
            first = next((t for op, t in hunk.lines if op != "+"), "")
            raise HunkFailed(f"hunk {i} does not apply: its context/removed lines (starting "
                             f"{first.strip()[:60]!r}) are not in the input")
        old = [t for op, t in use if op != "+"]
        new = [t for op, t in use if op != "-"]
        lines[pos:pos + len(old)] = new
        offset += len(new) - len(old)
        lo = pos + len(new)
    return "\n".join(lines) + ("\n" if trailing_nl else "")


def patch_text(original: str, diff_text: str) -> str:
    return apply_diff(original, parse_diff(diff_text))
