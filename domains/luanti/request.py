"""Expectations from a free request's own words (make chat / serve), in the `expect` shape of expect.py.

Read from the text, nothing guessed:
* the registration kind: `register_x` written out, or a kind word ("a node"/"block", "a tool" and tool
  words such as "a pickaxe", "a craft item", "a crafting recipe", "a chat command", "a decoration",
  "an ABM"/"LBM", ...); a mention that names nothing and gets no field is dropped when another has some;
* the registered name after "named"/"called"/"name" or right after the kind word (`mymod:lamp`,
  'drinking_glass'); a name without a mod prefix, for nodes, tools and craft items, is "*:suffix";
* fields written `key = value` with a Lua literal value (string, number, boolean, table), or a known
  definition field followed by a literal ("description 'Glowstone'", "tiles {...}"); "light level 14"
  is light_source = 14; a callback named as "`func(name, param)`", "an `action` callback" or written
  `key = function` is "<function>"; a register_on_* kind takes one function argument. The keys inside
  a value that is not a literal (`tool_capabilities = make_caps({...})`) are not fields.
The first value a field is given wins. Not read: values in words ("fourteen"), fields named without a
value, anything the request implies without stating. `facts(expect)` splits an expectation into
verdict facts (verdict.Fact), each with the one-fact expectation that checks it (expect.match_calls).
"""
from __future__ import annotations

import json
import re

from domains.luanti.build_items import PREFIX_APIS   # the kinds whose names carry the mod prefix
from domains.verdict import Fact

# (pattern, api): the first one found at a place wins; more specific words come first
KINDS = (
    (r"\b(?:minetest|core)\.register_(\w+)|\bregister_(\w+)\b", None),
    (r"\bchat ?commands?\b", "register_chatcommand"),
    (r"\bcraft ?items?\b|\bcraftitems?\b", "register_craftitem"),
    (r"\bcraft(?:ing)? recipes?\b|\b(?:a|the) recipe\b", "register_craft"),
    (r"\b(?:a|the|registers? an?) decorations?\b", "register_decoration"),
    (r"\bABMs?\b|\bactive block modifiers?\b", "register_abm"),
    (r"\bLBMs?\b|\bloading block modifiers?\b", "register_lbm"),
    (r"\bprivileges?\b", "register_privilege"),
    (r"\bentit(?:y|ies)\b", "register_entity"),
    (r"\bores?\b", "register_ore"),
    (r"\bbiomes?\b(?! ?=)", "register_biome"),
    (r"\b(?:tools?|pickaxes?|picks?|swords?|shovels?|axes?|hoes?|shears|daggers?)\b(?! ?=)", "register_tool"),
    (r"\b(?:nodes?|blocks?)\b", "register_node"),
)
FIELD_WORDS = ("description", "tiles", "groups", "inventory_image", "wield_image", "drawtype", "paramtype",
               "paramtype2", "light_source", "drop", "output", "recipe", "type", "burntime", "cooktime",
               "params", "privs", "deco_type", "decoration", "place_on", "sidelen", "fill_ratio", "biomes",
               "y_min", "y_max", "label", "nodenames", "neighbors", "interval", "chance", "walkable",
               "tool_capabilities", "stack_max", "sunlight_propagates", "is_ground_content", "visual",
               "mesh", "textures", "liquidtype", "damage_per_second", "climbable", "buildable_to")
_NAME = r"""(?P<q>[`'"])(?P<name>[a-z0-9_]+(?::[a-z0-9_]+)?)(?P=q)|(?P<bare>[a-z0-9_]+:[a-z0-9_]+)\b"""
_NAMED = re.compile(r"\b(?:named|called|name)\s*[:=]?\s*(?:" + _NAME + r"|(?P<word>[a-z0-9_]+)\b)")
_AFTER_KIND = re.compile(r"\s*(?:" + _NAME + ")")
_CALL_NAME = re.compile(r"""(?:(?:minetest|core)\.)?register_\w+\(\s*["']:?([a-z0-9_]+:[a-z0-9_]+|[a-z0-9_]+)["']""")
_ASSIGN = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*")
_KNOWN = re.compile(r"\b(" + "|".join(FIELD_WORDS) + r")\b\s*(?:of\s+|:\s*)?(?=[\"'{\d-])")
_CALLBACK = re.compile(r"`(\w+)\s*\([^`]*\)`|`(\w+)`\s+callback|\b(on_\w+)\s+callback")
_QUOTED_TEXT = re.compile(r'"[^"\n]{3,}"')   # a double-quoted string in the request (a value, not prose)
_TABLE_KEY = re.compile(r"""([A-Za-z_]\w*)\s*=\s*|\[\s*["']([^"']+)["']\s*\]\s*=\s*""")
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?![\w.])|true\b|false\b")
_LIGHT = re.compile(r"\blight(?: level|_source)?\s*(?:of\s+|=\s*)?(\d{1,2})\b|\blight level (?:of )?(\d{1,2})\b", re.I)


def read_lua_value(text: str, i: int):
    """(value, end) for the Lua literal at text[i:] (string, number, boolean, table), or None.
    Written here because the request is prose with Lua bits in it, not a chunk a Lua parser accepts."""
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text):
        return None
    c = text[i]
    if c in "\"'":
        out, j = [], i + 1
        while j < len(text) and text[j] != c:
            if text[j] == "\\" and j + 1 < len(text):
                out.append({"n": "\n", "t": "\t"}.get(text[j + 1], text[j + 1]))
                j += 2
                continue
            out.append(text[j])
            j += 1
        return ("".join(out), j + 1) if j < len(text) else None
    m = _SCALAR.match(text, i)
    if m:
        tok = m.group()
        value = {"true": True, "false": False}[tok] if tok in ("true", "false") else \
            float(tok) if "." in tok else int(tok)
        return value, m.end()
    return _read_table(text, i) if c == "{" else None


def _read_table(text: str, i: int):
    """A Lua table literal: a list when it has only positional items, a dict when only keys (mixed: None)."""
    items, keyed, j = [], {}, i + 1
    while True:
        while j < len(text) and text[j] in " \t\r\n,;":
            j += 1
        if j < len(text) and text[j] == "}":
            return (keyed if keyed and not items else items if not keyed else None), j + 1
        key = _TABLE_KEY.match(text, j)
        got = read_lua_value(text, key.end() if key else j)
        if got is None:
            return None
        if key:
            keyed[key.group(1) or key.group(2)] = got[0]
        else:
            items.append(got[0])
        j = got[1]


def _mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, api) of every kind mention, in text order; a place is taken by the first pattern."""
    found = [(a.start(), a.end(), "") for a in _QUOTED_TEXT.finditer(text)]   # words in strings are not kinds
    for pattern, api in KINDS:
        for m in re.finditer(pattern, text, re.I if api in ("register_abm", "register_lbm") else 0):
            name = api or "register_" + (m.group(1) or m.group(2)).lower()
            in_name = re.search(r"\w[:_.]$", text[:m.start()]) or re.match(r"[:_]\w", text[m.end():])
            if not in_name and not any(a <= m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), name))
    return sorted(f for f in found if f[2])


def _fields(text: str) -> tuple[dict, list]:
    """Fields stated in the text and the spans their values cover (names inside them are not names).
    `key = value` and `field value` are read in text order, so a table's own keys stay inside it."""
    fields, spans = {}, []
    found = sorted((m for rx in (_ASSIGN, _KNOWN) for m in rx.finditer(text)), key=lambda m: m.start())
    for m in found:
        if any(a <= m.start() < b for a, b in spans) or m.group(1) in ("name", "local"):
            continue
        got = read_lua_value(text, m.end())
        if got is None and re.match(r"\s*function\b", text[m.end():]):
            got = ("<function>", m.end())
        if got is None:   # not a literal (a call, a variable): its inner keys are not fields either
            spans.append((m.start(), _expression_end(text, m.end())))
            continue
        fields.setdefault(m.group(1), got[0])
        spans.append((m.start(), got[1]))
    for m in _CALLBACK.finditer(text):
        fields.setdefault(next(g for g in m.groups() if g), "<function>")
    light = _LIGHT.search(text)
    if light:
        fields.setdefault("light_source", int(light.group(1) or light.group(2)))
    return fields, spans


def _expression_end(text: str, i: int) -> int:
    """Where the Lua expression starting at text[i:] ends: at a `,`, `;` or closing bracket outside
    its own brackets and strings, or at the end of the text."""
    depth, quote = 0, None
    for k in range(i, len(text)):
        c = text[k]
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "({[":
            depth += 1
        elif c in ")}]":
            if depth == 0:
                return k
            depth -= 1
        elif c in ",;" and depth == 0:
            return k
    return len(text)


def _name(part: str, kind_end: int, spans: list) -> str | None:
    """The registered name a mention names: the first argument of a call written out, a name after
    "named"/"called"/"name", or a quoted or prefixed name right after the kind word."""
    m = _CALL_NAME.match(part)
    if m:
        return m.group(1)
    for m in (_NAMED.search(part), _AFTER_KIND.match(part, kind_end)):
        if m and not any(a <= m.start() < b for a, b in spans):
            return m.group("name") or m.group("bare") or m.groupdict().get("word")
    return None


def request_expect(text: str) -> dict:
    """The expectation a free request states: {"calls": [...]} (possibly empty)."""
    mentions = _mentions(text)
    calls = []
    for k, (pos, end, api) in enumerate(mentions):
        part = text[pos:mentions[k + 1][0] if k + 1 < len(mentions) else len(text)]
        fields, spans = _fields(part)
        entry: dict = {"api": api}
        name = _name(part, end - pos, spans) if api != "register_craft" else None
        if name:
            entry["name"] = f"*:{name}" if ":" not in name and api in PREFIX_APIS else name
        if fields:
            entry["fields"] = fields
        if api.startswith("register_on_"):
            entry["args"] = ["<function>"]
        same = next((c for c in calls if c["api"] == api and c.get("name", name) == entry.get("name", c.get("name"))), None)
        if same is None:
            calls.append(entry)
            continue
        for key, value in entry.items():   # the kind named again (e.g. in pasted docs): earlier values win
            if key == "fields":
                same["fields"] = {**value, **same.get("fields", {})}
            else:
                same.setdefault(key, value)
    full = [c for c in calls if len(c) > 1]
    return {"calls": full or calls[:1]}


def _canon(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dict):
        return {k: _canon(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_canon(x) for x in v]
    return v


def facts(expect: dict | None) -> list[tuple[Fact, dict]]:
    """Each stated fact of an expectation with the one-entry expectation that checks it."""
    out = []
    for e in (expect or {}).get("calls", []):
        api, name = e.get("api", ""), e.get("name")
        named = {"api": api, **({"name": name} if name else {})}
        out.append((Fact(("call", api), f"a {api} call"), {"calls": [{"api": api}]}))
        if name:
            out.append((Fact(("name", api, name), f"{api.replace('register_', '')} {name}"), {"calls": [named]}))
        for key, value in (e.get("fields") or {}).items():
            text = json.dumps(_canon(value), sort_keys=True)
            out.append((Fact(("field", api, key, text), key), {"calls": [{**named, "fields": {key: value}}]}))
        if e.get("args"):
            out.append((Fact(("args", api, json.dumps(_canon(e["args"]))), f"{api} arguments"),
                        {"calls": [{**named, "args": e["args"]}]}))
    return out
