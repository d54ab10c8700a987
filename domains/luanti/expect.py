"""Match recorded mock-API calls against an item's `expect`, and derive `expect` from a gold run.

Semantics (shared with the data builder, see data/luanti/README.md): every expected entry must be matched
by a DISTINCT recorded call with the same api (`minetest.`/`core.` prefix dropped), the same first string
argument when "name" is given (a leading ":" stripped on both sides), and
* a "name" of the form "*:suffix" (the request left the mod prefix open) matches any "<prefix>:suffix";
  "*:*" (the request named no item, build_forum.py) matches any "<prefix>:<name>";
* "fields": the first table argument deep-contains them: dict keys are a subset (values matched
  recursively), lists equal element-wise (recursively), numbers equal within 1e-9, strings exact,
  "<function>" = any Lua function, "<table>" = any table, "<any>" = any value (the field is present);
* "args": positional prefix match of the arguments, each compared the same way.
Extra calls and extra fields are allowed. Distinctness is a bipartite matching (augmenting paths), so
the order of expected entries never matters.

What it does not check: anything the mod does outside the recorded calls (e.g. plain assignments to
its own globals), and values the expectation does not name.
"""
from __future__ import annotations

import re

from domains.luanti.build_lua import name_matches
from domains.luanti.sandbox import LuaFunction

EPS = 1e-9


def _api(name: str) -> str:
    for prefix in ("minetest.", "core."):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def values_match(expected, actual) -> bool:
    """Deep containment of `expected` in a converted Lua value (see module docstring)."""
    if expected == "<function>":
        return isinstance(actual, LuaFunction)
    if expected == "<table>":
        return isinstance(actual, (dict, list))
    if expected == "<any>":   # a presence check: the key exists (a Lua nil field is never recorded)
        return actual is not None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)):
        return isinstance(actual, (int, float)) and abs(expected - actual) <= EPS
    if isinstance(expected, str):
        return isinstance(actual, str) and expected == actual
    if expected is None:
        return actual is None
    if isinstance(expected, list):
        if actual == {} and not expected:   # an empty Lua table is both {} and []
            return True
        return isinstance(actual, list) and len(actual) == len(expected) and \
            all(values_match(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, dict):
        if actual == [] or (isinstance(actual, list) and not expected):
            return not expected
        if isinstance(actual, list):   # {"1": x} style keys against a Lua sequence
            actual = {str(i + 1): v for i, v in enumerate(actual)}
        return isinstance(actual, dict) and all(
            k in actual and values_match(v, actual[k]) for k, v in expected.items())
    return False


def _first_table(args):
    for a in args:
        if isinstance(a, (dict, list)):
            return a
    return None


def entry_matches(entry: dict, call: dict) -> bool:
    if _api(entry.get("api", "")) != call["api"]:
        return False
    args = call["args"]
    if "name" in entry:
        got = args[0] if args and isinstance(args[0], str) else None
        if got is None and args and isinstance(args[0], dict):   # register_lbm/abm carry name inside
            got = args[0].get("name") if isinstance(args[0].get("name"), str) else None
        if not name_matches(entry["name"], got):
            return False
    if "fields" in entry:
        table = _first_table(args)
        if table is None or not values_match(entry["fields"], table):
            return False
    if "args" in entry:
        want = entry["args"]
        if len(args) < len(want) or not all(values_match(w, a) for w, a in zip(want, args)):
            return False
    return True


def _describe(entry: dict) -> str:
    name = f" {entry['name']!r}" if "name" in entry else ""
    return f"{_api(entry.get('api', '?'))}{name}"


def match_calls(expect: dict | None, calls: list[dict]) -> tuple[bool, str]:
    """(True, "") when every expected entry has its own matching call, else (False, what is missing)."""
    entries = list((expect or {}).get("calls", []))
    cands = [[j for j, c in enumerate(calls) if entry_matches(e, c)] for e in entries]
    owner: dict[int, int] = {}   # call index -> entry index

    def assign(i: int, seen: set) -> bool:
        for j in cands[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or assign(owner[j], seen):
                owner[j] = i
                return True
        return False

    missing = [i for i in range(len(entries)) if not assign(i, set())]
    if not missing:
        return True, ""
    first = entries[missing[0]]
    same_api = [c for c in calls if c["api"] == _api(first.get("api", ""))]
    why = _near_miss(first, same_api)
    return False, (f"{len(missing)} of {len(entries)} expected call(s) not matched; first: "
                   f"{_describe(first)}{why}")


def _near_miss(entry: dict, same_api: list[dict]) -> str:
    """A short hint why the closest call failed (helps a user read a wrong_answer)."""
    if not same_api:
        return " (no such call was made)"
    for c in same_api:
        args = c["args"]
        if "name" in entry and (not args or not name_matches(entry["name"], args[0])):
            continue
        table = _first_table(args)
        for k, v in (entry.get("fields") or {}).items():
            got = table.get(k, "<missing>") if isinstance(table, dict) else "<no table>"
            if v == "<any>" and got == "<missing>":
                return f" (field {k!r} is missing; the request asks for it)"
            if not values_match(v, got):
                return f" (field {k!r}: expected {v!r}, got {got!r})"[:300]
        return " (arguments differ)"
    names = sorted({str(c["args"][0]) for c in same_api if c["args"] and isinstance(c["args"][0], str)})
    return f" (calls made with names {names[:5]})"


# ------------------------------------------------------------------ deriving ------------------
_ADDED = {"name", "type", "mod_origin", "__index"}   # fields the engine/mock adds on registration
_SKIP_APIS = {"get_translator", "get_modpath", "get_current_modname", "get_worldpath", "log",
              "get_mod_storage", "get_meta", "translate"}


def _plain(v, depth: int = 0):
    """A JSON-able expectation value: functions -> "<function>", tables kept to 4 levels."""
    if isinstance(v, LuaFunction):
        return "<function>"
    if isinstance(v, dict):
        return {k: _plain(x, depth + 1) for k, x in v.items()} if depth < 4 else "<table>"
    if isinstance(v, list):
        return [_plain(x, depth + 1) for x in v] if depth < 4 else "<table>"
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return "<table>"


def derive_expect(calls: list[dict]) -> dict:
    """Expectations from a gold run: every register_* call with its name and definition fields.

    Used only for seed files that carry no `expect`; hand-written or built expectations are better
    because they name only what the instruction states.
    """
    out = []
    for c in calls:
        api, args = c["api"], c["args"]
        if not api.startswith("register_") or api in _SKIP_APIS:
            continue
        entry: dict = {"api": api}
        if args and isinstance(args[0], str):
            entry["name"] = args[0].lstrip(":")
        table = _first_table(args)
        if isinstance(table, dict):
            entry["fields"] = {k: _plain(v) for k, v in table.items() if k not in _ADDED}
        elif not isinstance(table, list):
            entry["args"] = [_plain(a) for a in args if not isinstance(a, (dict, list))]
        out.append(entry)
    return {"calls": out}


def _stated(value, text: str) -> bool:
    """A value the request names: a string quoted or written out, a number as a word, a table whose
    every leaf is named."""
    if isinstance(value, bool):
        return ("true" if value else "false") in text
    if isinstance(value, (int, float)):
        return re.search(rf"(?<![\w.]){re.escape(repr(value) if isinstance(value, float) else str(value))}(?![\w.])",
                         text) is not None
    if isinstance(value, str):
        return value in text if value not in ("<function>", "<table>") else True
    if isinstance(value, dict):
        return bool(value) and all(_stated(v, text) for v in value.values())
    if isinstance(value, list):
        return bool(value) and all(_stated(v, text) for v in value)
    return False


# words that make a field named in the request a presence check ("Add the missing light_source field")
_PRESENCE_BEFORE = r"\b(?:add|adds|adding|missing|include|includes|including|needs?|lacks?|lacking|give|gives|" \
                   r"define|defines|set|sets|insert|put|with)\b"
_PRESENCE_AFTER = r"(?:field|property|key|entry|callback|value)\b"


def names_presence(key: str, request: str) -> bool:
    """True when the request names `key` as something the answer must have: after a presence word in
    the same clause ("add the missing light_source", "a lamp with a light_source") or followed by "field",
    "property", ... ("the light_source field"). A key named otherwise ("not walkable", "without a
    light_source") is not."""
    k = re.escape(key)
    for clause in re.split(r"[.;,:!?\n]", request.lower()):
        if re.search(rf"(?<![\w.]){k}(?![\w])", clause) and (
                re.search(rf"{_PRESENCE_BEFORE}(?:\W+\w+){{0,4}}?\W+{k}(?![\w])", clause)
                or re.search(rf"(?<![\w.]){k}\s+{_PRESENCE_AFTER}", clause)):
            return True
    return False


def stated_only(expect: dict, text: str, request: str | None = None) -> tuple[dict, dict]:
    """The part of a derived expectation that the request text states, and a record of the facts
    kept and dropped. Kept: a field whose string value the text quotes, or whose key the text names
    with its value (a callback field: its key named), args named in the text; the name as given, or "*:suffix" when
    only the part after the prefix is named (the prefix is left to the answer), or dropped. A field whose
    value is not stated but which `request` (the instruction; default `text`) names as a presence check
    (names_presence) is kept as "<any>": the answer must set it, to any value. A call with nothing
    stated keeps its api only: the answer must make that call."""
    request = text if request is None else request
    kept, dropped, out = [], [], []
    for entry in expect.get("calls", []):
        api = entry.get("api", "")
        new = {"api": api}
        name = entry.get("name")
        if isinstance(name, str):
            suffix = name.split(":", 1)[-1]
            if name in text:
                new["name"] = name
            elif ":" in name and suffix and suffix in text:
                new["name"] = f"*:{suffix}"
            if "name" in new:
                kept.append(f"{api} name {new['name']}")
            else:
                dropped.append(f"{api} name {name}")
        if isinstance(entry.get("fields"), dict):
            fields = {}
            for k, v in entry["fields"].items():
                plain_string = isinstance(v, str) and len(v) >= 2 and not v.startswith("<")
                if (plain_string and v in text) or (k in text and _stated(v, text)):
                    fields[k] = v
                    kept.append(f"{api}.{k}")
                elif names_presence(k, request):
                    fields[k] = "<any>"
                    kept.append(f"{api}.{k} present")
                else:
                    dropped.append(f"{api}.{k}")
            if fields:
                new["fields"] = fields
        if isinstance(entry.get("args"), list):
            args = entry["args"]
            n = 0
            while n < len(args) and _stated(args[n], text):
                n += 1
            if n:
                new["args"] = args[:n]
            kept += [f"{api} arg {i + 1}" for i in range(n)]
            dropped += [f"{api} arg {i + 1}" for i in range(n, len(args))]
        out.append(new)
    return {"calls": out}, {"from": "the reference's run, kept where the instruction states it",
                            "kept": kept, "dropped": dropped}


def open_prefix(expect: dict | None) -> bool:
    """True when the item leaves the mod prefix to the answer (an expected name "*:suffix")."""
    return any(str(e.get("name", "")).lstrip(":").startswith("*:") for e in (expect or {}).get("calls", []))


REGISTERED_PREFIX = re.compile(r"""register_\w+\(\s*["']:?([a-z0-9_]+):""")  # the mod an answer names


def modname_for(expect: dict | None, default: str = "mymod", code: str = "", open_: bool = False) -> str:
    """The mod name the sandbox runs as: the prefix of the expected registered names; when the item
    leaves the prefix open (open_prefix, or `open_`: its request states no mod name), the one `code`
    registers its names under."""
    for entry in (expect or {}).get("calls", []):
        name = entry.get("name")
        if isinstance(name, str) and ":" in name.lstrip(":"):
            prefix = name.lstrip(":").split(":", 1)[0]
            if prefix and prefix.replace("_", "").isalnum():
                return prefix
    named = REGISTERED_PREFIX.search(code) if code and (open_ or open_prefix(expect)) else None
    return named.group(1) if named else default
