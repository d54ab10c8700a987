"""Repair items: a real registration with one injected fault; the reference is SEARCH/REPLACE blocks.

The snippet is the real call text (re-indented, with `local S = minetest.get_translator(...)` when it
uses S) when that call is self-contained; otherwise the same registration rendered from its literal
fields. One fault is injected, chosen per item from those that apply:

* syntax: missing comma, missing closing parenthesis, missing `end`, missing closing brace
  (each must really fail LuaJIT's parser; the parser's message becomes the hint);
* API misuse: bad name prefix (the engine's naming-convention error), misspelt field, value of the
  wrong type, missing field whose value the instruction states.

`expect` lists the repaired call's name and a few of its literal fields, always including the field
the fault broke, so an unfixed or wrongly fixed file fails. Not injected: faults that only show at run
time inside callbacks (the sandbox does not call them).
"""
from __future__ import annotations

import difflib
import re

from domains.luanti.build_items import KIND, callback_field, inline, is_plain, rng_for, stated_fields
from domains.luanti.build_lua import compiles
from domains.luanti.build_render import render_call

REPAIR_APIS = ("register_node", "register_tool", "register_craftitem", "register_craft", "register_abm",
               "register_chatcommand", "register_privilege", "register_ore")
PREFIX_APIS = ("register_node", "register_tool", "register_craftitem")
MAX_VERBATIM_LINES = 22
MISSPELL = {"description": "descripton", "tiles": "tile", "groups": "group", "inventory_image":
            "inventory_img", "light_source": "light_sorce", "paramtype": "param_type", "interval":
            "intervall", "chance": "chanse", "nodenames": "nodename", "output": "ouput", "recipe":
            "recipie", "privs": "priv", "params": "param", "drawtype": "draw_type", "wield_image":
            "wield_img", "sunlight_propagates": "sunlight_propogates", "walkable": "walkabel",
            "stack_max": "max_stack", "tool_capabilities": "tool_capabilites", "is_ground_content":
            "is_ground", "neighbors": "neighbours", "wherein": "where_in", "ore_type": "oretype"}


def snippet(reg) -> str | None:
    """Self-contained Lua for the registration, ending in a newline."""
    span = reg.line_end - reg.line_start + 1
    if reg.self_contained and not reg.nonliteral and span <= MAX_VERBATIM_LINES:
        indent = reg.extra.get("indent", "")
        lines = reg.text.split("\n")
        lines = [lines[0]] + [ln[len(indent):] if ln.startswith(indent) else ln for ln in lines[1:]]
        code = "\n".join(lines) + "\n"
        if re.search(r"\bN?S\(", code):
            mod = reg.src.mod.split("/")[-1]
            code = f'local S = minetest.get_translator("{mod}")\n\n' + code
        return code
    fields = stated_fields(reg)
    cb = callback_field(reg)
    if cb:
        fields[cb] = "<function>"
    if len(fields) < 2:
        return None
    name = reg.name if reg.api not in ("register_craft", "register_abm", "register_ore") else None
    return render_call(reg.api, name, fields)


def _field_line(lines, key):
    pat = re.compile(rf"^(\s*){re.escape(key)}(\s*=\s*)(.*)$")
    hits = [i for i, ln in enumerate(lines) if pat.match(ln)]
    return (hits[0], pat.match(lines[hits[0]])) if len(hits) == 1 else (None, None)


def _syntax_faults(lines):
    """Candidate (kind, index, new_line_or_None) edits that break the parser."""
    out = []
    for i, ln in enumerate(lines[:-1]):
        nxt = next((x for x in lines[i + 1:] if x.strip()), "")
        if ln.rstrip().endswith(",") and re.match(r"^\s*(\w+\s*=|\[)", nxt):
            out.append(("missing_comma", i, ln.rstrip()[:-1]))
        if re.search(r"=\s*\{[^{}]*\},\s*$", ln):
            out.append(("missing_brace", i, re.sub(r"\},(\s*)$", r",\1", ln)))
        if ln.strip() in ("end,", "end"):
            out.append(("missing_end", i, None))
    last = max(i for i, ln in enumerate(lines) if ln.strip())
    if lines[last].rstrip().endswith(")"):
        out.append(("missing_paren", last, lines[last].rstrip()[:-1]))
    return out


def _api_faults(reg, lines, fields):
    out = []
    if reg.api in PREFIX_APIS and reg.name and ":" in reg.name:
        quoted = [i for i, ln in enumerate(lines) if f'"{reg.name}"' in ln or f'":{reg.name}"' in ln]
        if quoted:
            i = quoted[0]
            item = reg.name.split(":", 1)[1]
            old = f'":{reg.name}"' if f'":{reg.name}"' in lines[i] else f'"{reg.name}"'
            out.append(("bad_prefix", i, lines[i].replace(old, f'"{item}"', 1), item))
    for key, value in fields.items():
        i, m = _field_line(lines, key)
        # the engine fills empty defaults itself (params = "", privs = {}): losing one is no fault
        if i is None or value in ("", {}, []):
            continue
        if key in MISSPELL:
            out.append(("misspelt_field", i, f"{m.group(1)}{MISSPELL[key]}{m.group(2)}{m.group(3)}", key))
        if isinstance(value, (int, float, bool)) and re.match(r"^(-?[\d.]+|true|false),?\s*$", m.group(3)):
            val = m.group(3).rstrip().rstrip(",")
            out.append(("wrong_type", i, f'{m.group(1)}{key}{m.group(2)}"{val}",', key))
        if key in ("description", "output", "label") and m.group(3).rstrip().endswith(","):
            out.append(("missing_field", i, None, key))
    return out


def _expect(reg, fields, fault_key):
    chosen = {}
    if fault_key and fault_key in fields:
        chosen[fault_key] = fields[fault_key]
    for k, v in fields.items():
        if len(chosen) >= 3:
            break
        chosen.setdefault(k, v)
    call = {"api": reg.api, "fields": chosen}
    if reg.name is not None and reg.api not in ("register_craft", "register_abm", "register_ore"):
        call["name"] = reg.name
    return {"calls": [call]}


HINTS = {
    "misspelt_field": "The {kind} loads, but its `{key}` never takes effect.",
    "wrong_type": "`{key}` is given a value of the wrong type.",
    "missing_field": "The {kind} must have {key} = {value}, but that field is missing.",
    "bad_prefix": "Loading the mod \"{mod}\" fails with: Name {bad} does not follow naming conventions: "
                  "\"{mod}:\" or \":\" prefix required",
}
# Per register (build_style): "spec" states the fault, "issue" reports what players or the log see.
TEMPLATES = {
    "spec": ["{hint} Fix init.lua.", "This init.lua has a bug. {hint} Fix it.",
             "Repair the following Luanti code. {hint}", "{hint} Correct the file."],
    "issue": ["Players on my server report a problem: {hint} Can you fix the mod?",
              "Bug report from a player: \"{hint}\" Please fix init.lua.",
              "Our server admin sent me this: {hint} What do I change?",
              "Since the last update of my mod, this happens: {hint} Please fix it."],
}
ISSUE_SYNTAX = "the server will not start; its log ends with: {err}"


def make_diff(broken: str, fixed: str) -> str:
    return "".join(difflib.unified_diff(broken.splitlines(keepends=True), fixed.splitlines(keepends=True),
                                        "a/init.lua", "b/init.lua", n=3))


def repair_item(reg, index: int, style: str = "spec") -> dict | None:
    """One repair item; `index` rotates the fault kind so the kinds stay balanced; `style` is its
    register (build_style: spec, issue, or chatty around one of them)."""
    from domains.edit import make_blocks, render_blocks
    from domains.luanti.build_style import chatty

    if reg.api not in REPAIR_APIS:
        return None
    code = snippet(reg)
    if code is None or compiles(code):
        return None
    lines = code.split("\n")
    fields = {k: v for k, v in reg.fields.items() if is_plain(v) and len(inline(v)) <= 160}
    fields = {k: v for k, v in fields.items() if _field_line(lines, k)[0] is not None}
    for k, v in reg.fields.items():
        if v == "<function>" and _field_line(lines, k)[0] is not None and len(fields) < 4:
            fields[k] = v
    cands = [(k, i, new, None) for k, i, new in _syntax_faults(lines)] + _api_faults(reg, lines, fields)
    if not cands or not fields:
        return None
    kinds = sorted({c[0] for c in cands})
    kind = kinds[index % len(kinds)]
    rng = rng_for("repair", reg.source, reg.api, reg.name)
    kind_cands = [c for c in cands if c[0] == kind]
    kind_name, i, new, key = kind_cands[rng.randrange(len(kind_cands))]
    broken_lines = list(lines)
    if new is None:
        del broken_lines[i]
    else:
        broken_lines[i] = new
    broken = "\n".join(broken_lines)
    err = compiles(broken)
    syntax = kind_name.startswith("missing_") and kind_name != "missing_field"
    if syntax != bool(err):
        return None  # the edit did not break what it was meant to break
    mod = reg.name.split(":")[0] if reg.name and ":" in reg.name else "mymod"
    body_style = rng.choice(["spec", "issue"]) if style == "chatty" else style
    log = err.replace('[string "init.lua"]', "init.lua") if syntax else ""
    if syntax:
        hint = ("Luanti refuses to load it: " + log + "." if body_style == "spec"
                else ISSUE_SYNTAX.format(err=log) + ".")
    else:
        hint = HINTS[kind_name].format(kind=KIND[reg.api], key=key, mod=mod, bad=(key or ""),
                                       value=inline(fields.get(key, "")))
    instruction = rng.choice(TEMPLATES[body_style]).format(hint=hint)
    if style == "chatty":
        instruction = chatty(instruction, rng)
    return {"family": "repair", "instruction": instruction, "input": broken,
            "output": render_blocks(make_blocks(broken, code)), "expect": _expect(reg, fields, key),
            "fault": kind_name, "fixed": code, "style": style}
