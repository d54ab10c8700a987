"""The facts a free tool-calling request states: the tools it names and the argument values it writes out.

* a tool: its name or alias written out, or every word of its name after the server ("load state",
  "set ... breakpoint") when no other candidate tool has the same name words, or only one of those
  has its server named ("mesen", "yaze": the server part without digits);
* values: SNES-style addresses ($7E:0010, $7E0010, 0x7E0010) as integers, other numbers, quoted
  strings, paths (a/b.ext, name.ext), runs of hex bytes ("F9 22 4C"), and the enum values of the
  candidate tools' schemas written as words ("ARAM" -> "aram").
A value fact is met when some call carries that value in an argument (normalised under its schema as
scoring.py does); a tool fact when some call resolves to that tool. Not read: values said in words
("don't patch" -> dry_run true), multi-line sources, which argument a value belongs to.
"""
from __future__ import annotations

import json
import re

from domains.mcp_tools.scoring import normalise
from domains.mcp_tools.toolset import aliases, normalise_path, parse_address
from domains.verdict import Fact

_ADDR = re.compile(r"\$[0-9A-Fa-f]{2}:[0-9A-Fa-f]{4}\b|\$[0-9A-Fa-f]{4,6}\b|\b0x[0-9A-Fa-f]{4,6}\b")
_HEXRUN = re.compile(r"\b[0-9A-F]{2}(?: [0-9A-F]{2})+\b")
_PATH = re.compile(r"(?<![\w$])(?:~?[\w.\-]*/)+[\w.\-]+\.\w{2,4}\b|\b[\w\-]+\.(?:sfc|smc|ips|bps|asm|bin|png|pal|spc|json|txt)\b")
_QUOTED = re.compile(r"""(?<!\w)["']([^"'\n]{1,80})["'](?!\w)""")
_NUMBER = re.compile(r"(?<![\w$#.:%])\d+(?![\w:%]|\.\d)")


def canon(value) -> str:
    """The comparable text of a value: integers as such, strings trimmed and lower-cased."""
    if isinstance(value, str):
        return json.dumps(" ".join(value.split()).lower())
    return json.dumps(value, sort_keys=True)


def _value_facts(text: str, tools: list[dict]) -> list[Fact]:
    out, spans = [], []

    def add(value, m, label):
        if not any(a <= m.start() < b for a, b in spans):
            out.append(Fact(("value", canon(value)), label))
            spans.append((m.start(), m.end()))
    for m in _ADDR.finditer(text):
        add(parse_address(m.group().replace("$", "0x", 1).replace(":", "")) if ":" in m.group()
            else parse_address(m.group()), m, m.group())
    for m in _HEXRUN.finditer(text):
        add("".join(m.group().split()), m, m.group())
    for m in _PATH.finditer(text):
        add(normalise_path(m.group()), m, m.group())
    for m in _QUOTED.finditer(text):
        add(m.group(1), m, m.group())
    for m in _NUMBER.finditer(text):
        add(int(m.group()), m, m.group())
    for t in tools:   # an enum value in upper case (ARAM), or next to its parameter's name ("kind write")
        for pname, p in t["parameters"].get("properties", {}).items():
            for e in (p.get("enum", []) if isinstance(p, dict) else []):
                if not isinstance(e, str) or len(e) < 2:
                    continue
                w, n = re.escape(e), re.escape(pname)
                upper = re.search(rf"(?<![\w/.]){re.escape(e.upper())}(?![\w/.])", text)
                if upper or re.search(rf"\b{n}\s+{w}\b|\b{w}\s+{n}\b", text, re.I):
                    out.append(Fact(("value", canon(e)), e))
    return list(dict.fromkeys(out))


def _tool_facts(text: str, tools: list[dict]) -> list[Fact]:
    low = text.lower()
    alias = aliases(tools)
    written = [t["name"] for t in tools
               if t["name"].lower() in low or any(a.lower() in low for a, n in alias.items() if n == t["name"])]
    worded = [t["name"] for t in tools if t["name"] not in written and all(
        re.search(rf"\b{re.escape(w)}", low) for w in t["name"].rpartition(".")[2].split("_"))]
    out = list(written)
    for verb in dict.fromkeys(n.rpartition(".")[2] for n in worded):
        same = [n for n in worded if n.rpartition(".")[2] == verb]
        named = [n for n in same if _server(n) in low]
        # two servers with the same tool words: only the one the request names
        out += same if len(same) == 1 else named if len(named) == 1 else []
    return [Fact(("tool", n), f"tool {n}") for n in out]


def _server(name: str) -> str:
    """The word a request names a server by: "mesen2.run" -> "mesen", "yaze_debugger.step" -> "yaze"."""
    return re.sub(r"\d+$", "", name.rpartition(".")[0].split("_")[0]).lower()


def request_facts(text: str, tools: list[dict]) -> list[Fact]:
    return list(dict.fromkeys(_tool_facts(text, tools) + _value_facts(text, tools)))


def item_facts(calls: list[dict], tools: list[dict]) -> list[Fact]:
    """The gold calls' tools and argument values (the builder states every argument, phrasing.py)."""
    schemas = {t["name"]: t["parameters"] for t in tools}
    out = []
    for c in calls:
        out.append(Fact(("tool", c["name"]), f"tool {c['name']}"))
        props = schemas.get(c["name"], {}).get("properties", {})
        for k, v in c["arguments"].items():
            out.append(Fact(("value", canon(normalise(v, props.get(k, {})))), f"{k}={v}"))
    return out


def missed(facts: list[Fact], calls: list[dict]) -> list[Fact]:
    """The facts no call meets; `calls` resolved as scoring._resolve leaves them (name, norm)."""
    names = {c["name"] for c in calls}
    values = set()
    for c in calls:
        for v in (c.get("norm") or c["arguments"]).values():
            values |= {canon(x) for x in (v if isinstance(v, list) else [v])} | {canon(v)}
    return [f for f in facts if (f.key[1] not in names if f.key[0] == "tool" else f.key[1] not in values)]
