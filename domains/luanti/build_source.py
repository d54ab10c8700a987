"""Real Luanti code as installed by Debian: where it lies, its licenses, and its registration calls.

* `find_sources()` lists every Lua file of minetest_game, devtest and the engine's builtin Lua, each
  with its source mod (the unit the train/eval split works on) and its license, read from Debian's
  copyright file (never assumed).
* `scan_calls(text)` finds `minetest.register_*(...)` / `core.register_*(...)` calls with a small Lua
  lexer (strings, long brackets and comments are skipped), returning their exact text and lines.
* `Evaluator.evaluate(call_text)` runs one call in LuaJIT against a recording mock whose unknown
  globals are "poison" values: fields computed from literals (incl. `S("...")`) come back as Python
  values, fields that depend on other code (`default.node_sound_stone_defaults()`, loop variables)
  are reported as non-literal and left out.

What it does not do: run whole files (loops over other mods' tables are skipped, not unrolled), or
judge whether a registration makes sense in a game; that is the validator's job.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError

SHARE = Path("/usr/share/games/minetest")
COPYRIGHT = Path("/usr/share/doc/minetest-data/copyright")
LUA_API = Path("/usr/share/doc/minetest/lua_api.txt.gz")
GAME_API = SHARE / "games/minetest_game/game_api.txt"
APT_HINT = ("the Luanti sources are missing: run `apt-get update && apt-get install -y minetest-server "
            "minetest-data` (Debian 12) to regenerate data/luanti; the committed JSONL needs nothing")

# Debian's copyright file names minetest_game files "mtg/mods/<mod>/..."; everything else falls under
# "Files: *". Stanzas with Creative Commons / CC0 licenses cover textures and sounds (their Comment says
# so), never Lua code, so they are ignored when licensing a .lua file.
MEDIA_LICENSES = ("CC-BY", "CC0")
SPDX = {"LGPL-2.1+": "LGPL-2.1-or-later", "MIT": "MIT", "Expat": "MIT", "GPL-2+": "GPL-2.0-or-later"}
PERMISSIVE = {"MIT"}


@dataclass(frozen=True)
class SourceFile:
    path: Path          # absolute path on disk
    rel: str            # e.g. "minetest_game/mods/default/nodes.lua"
    mod: str            # split unit, e.g. "minetest_game/default", "builtin/game"
    license: str        # SPDX id


def require_sources():
    missing = [p for p in (SHARE / "games/minetest_game/mods", SHARE / "builtin", COPYRIGHT, LUA_API)
               if not p.exists()]
    if missing:
        raise UserError(f"{missing[0]}: not found; {APT_HINT}")


def copyright_stanzas(path: Path = COPYRIGHT) -> list[tuple[list[str], str]]:
    """(file patterns, license) per stanza of a Debian machine-readable copyright file, in order."""
    stanzas, files, in_files = [], [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("Files:"):
            files, in_files = line[len("Files:"):].split(), True
        elif in_files and line.startswith((" ", "\t")):
            files += line.split()
        elif line.startswith("License:"):
            if files:
                stanzas.append((files, line[len("License:"):].strip()))
            files, in_files = [], False
        else:
            in_files = False
    return stanzas


def license_for(debian_path: str, stanzas) -> str:
    """SPDX license of a Lua file named as the copyright file names it (last matching stanza wins)."""
    found = None
    for patterns, lic in stanzas:
        if lic.startswith(MEDIA_LICENSES):
            continue
        if any(fnmatch.fnmatchcase(debian_path, p) for p in patterns):
            found = lic
    if found is None:
        raise UserError(f"{COPYRIGHT}: no license stanza covers {debian_path}")
    return SPDX.get(found, found)


def find_sources() -> list[SourceFile]:
    require_sources()
    stanzas = copyright_stanzas()
    out = []
    roots = [("minetest_game", SHARE / "games/minetest_game/mods", "mtg/mods"),
             ("devtest", SHARE / "games/devtest/mods", "games/devtest/mods"),
             ("builtin", SHARE / "builtin", "builtin")]
    for game, root, debian_prefix in roots:
        for path in sorted(root.rglob("*.lua")):
            sub = path.relative_to(root)
            if game == "builtin" and sub.parts[0] in ("mainmenu", "fstk", "async", "profiler"):
                continue  # menu/profiler code registers nothing a mod author writes
            mod = f"{game}/{sub.parts[0]}" if len(sub.parts) > 1 else f"{game}/{sub.stem}"
            rel = f"{game}/{'mods/' if game != 'builtin' else ''}{sub.as_posix()}"
            lic = license_for(f"{debian_prefix}/{sub.as_posix()}", stanzas)
            out.append(SourceFile(path, rel, mod, lic))
    return out


# --- a small Lua lexer: mask strings and comments so brackets can be matched -----------------------
_LONG_OPEN = re.compile(r"\[(=*)\[")


def mask_lua(text: str) -> str:
    """Same length as text; string and comment contents replaced by spaces (newlines kept)."""
    out, i, n = list(text), 0, len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("--", i):
            m = _LONG_OPEN.match(text, i + 2)
            if m:
                end = text.find("]" + m.group(1) + "]", m.end())
                end = n if end < 0 else end + len(m.group(1)) + 2
            else:
                end = text.find("\n", i)
                end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            blank(i + 1, min(j, n))
            i = j + 1
        elif c == "[" and _LONG_OPEN.match(text, i):
            m = _LONG_OPEN.match(text, i)
            end = text.find("]" + m.group(1) + "]", m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            blank(i + 1, end - 1)
            i = end
        else:
            i += 1
    return "".join(out)


_CALL = re.compile(r"(?<![\w.:])(?:minetest|core)\.(register_\w+)\s*([({])")


@dataclass(frozen=True)
class Call:
    api: str
    text: str
    line_start: int
    line_end: int


def scan_calls(text: str) -> list[Call]:
    masked = mask_lua(text)
    calls = []
    for m in _CALL.finditer(masked):
        opener = m.group(2)
        closer = ")" if opener == "(" else "}"
        depth, j = 0, m.end() - 1
        while j < len(masked):
            ch = masked[j]
            if ch in "({[":
                depth += 1
            elif ch in ")}]":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(masked) or masked[j] != closer:
            continue
        line_start = text.count("\n", 0, m.start()) + 1
        line_end = text.count("\n", 0, j) + 1
        calls.append(Call(m.group(1), text[m.start():j + 1], line_start, line_end))
    return calls
