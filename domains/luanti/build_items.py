"""Scaffold items: an instruction stating the concrete values of one real registration, and clean Lua.

Each item comes from one real `register_*` call (see build_render.collect): the builder picks the
literal fields a user can state in words (description, tiles, groups, recipe, interval ...), writes an
instruction naming exactly those values and a reference that registers them, and sets `expect` to
exactly those values (plus `<function>` for a callback the instruction asks for). Nothing the
instruction does not name is expected, so any correct answer passes and a wrong value fails.

Not covered: fields whose real value is computed by other code (sounds, loop variables); they are left
out of both the instruction and the expectation.
"""
from __future__ import annotations

import hashlib
import random

from domains.luanti.build_render import CALLBACK_PARAMS, lua_value, render_call

KIND = {"register_node": "node", "register_tool": "tool", "register_craftitem": "craft item",
        "register_craft": "crafting recipe", "register_abm": "ABM", "register_lbm": "LBM",
        "register_chatcommand": "chat command", "register_privilege": "privilege",
        "register_ore": "ore", "register_decoration": "decoration", "register_biome": "biome",
        "register_alias": "alias"}

# Fields a user can state, per API, in priority order (the first MAX_FIELDS present are used).
STATEABLE = {
    "register_node": ["description", "tiles", "groups", "drawtype", "paramtype", "paramtype2",
                      "light_source", "sunlight_propagates", "walkable", "climbable", "buildable_to",
                      "is_ground_content", "drop", "inventory_image", "wield_image", "damage_per_second",
                      "use_texture_alpha", "waving"],
    "register_tool": ["description", "inventory_image", "groups", "tool_capabilities", "wield_image",
                      "range", "stack_max"],
    "register_craftitem": ["description", "inventory_image", "groups", "stack_max", "wield_image",
                           "liquids_pointable"],
    "register_craft": ["type", "output", "recipe", "burntime", "cooktime", "replacements"],
    "register_abm": ["label", "nodenames", "neighbors", "interval", "chance", "catch_up", "min_y",
                     "max_y"],
    "register_chatcommand": ["params", "description", "privs"],
    "register_privilege": ["description", "give_to_singleplayer", "give_to_admin"],
    "register_ore": ["ore_type", "ore", "wherein", "clust_scarcity", "clust_num_ores", "clust_size",
                     "y_min", "y_max"],
    "register_decoration": ["deco_type", "decoration", "place_on", "sidelen", "fill_ratio", "biomes",
                            "y_min", "y_max"],
    "register_biome": ["node_top", "depth_top", "node_filler", "depth_filler", "heat_point",
                       "humidity_point", "y_min", "y_max"],
}
REQUIRED_CALLBACK = {"register_abm": "action", "register_lbm": "action", "register_chatcommand": "func"}
OPTIONAL_CALLBACKS = ["on_use", "on_construct", "on_rightclick", "on_timer", "on_punch", "on_place",
                      "after_place_node", "on_destruct", "can_dig"]
MAX_FIELDS = {"register_craft": 6, "register_ore": 6, "register_decoration": 6}
MAX_VALUE_CHARS = 160  # a value longer than this written inline makes the instruction unreadable


def rng_for(*parts) -> random.Random:
    """A private, seeded RNG per item: reordering the sources never changes another item's text."""
    return random.Random(int(hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12], 16))


def is_plain(v) -> bool:
    if isinstance(v, str):
        # "table: 0x..." would be an address that changes every run
        return v not in ("<function>", "<mixed>") and "<poison>" not in v and "table: 0x" not in v
    if isinstance(v, (bool, int, float)):
        return True
    if isinstance(v, list):
        return bool(v) and all(map(is_plain, v))
    if isinstance(v, dict):
        return bool(v) and all(map(is_plain, v.values()))
    return False


def inline(v) -> str:
    return lua_value(v, width=10 ** 6)


def stated_fields(reg) -> dict:
    """The literal values an instruction for this registration names (maybe fewer than it has)."""
    out = {}
    limit = MAX_FIELDS.get(reg.api, 5)
    for k in STATEABLE.get(reg.api, []):
        v = reg.fields.get(k)
        if v is None or not is_plain(v) or len(inline(v)) > MAX_VALUE_CHARS:
            continue
        if k == "tiles" and not all(isinstance(t, str) for t in v):
            continue
        out[k] = v
        if len(out) >= limit:
            break
    if reg.api == "register_decoration" and "decoration" not in out:
        return {}  # the engine refuses a simple decoration without its node
    return out


def callback_field(reg) -> str | None:
    if reg.api in REQUIRED_CALLBACK:
        return REQUIRED_CALLBACK[reg.api]
    for k in OPTIONAL_CALLBACKS:
        if reg.fields.get(k) == "<function>":
            return k
    return None


# Templates per register (build_style): "spec" lists the values, "terse" names them in one line.
SCAFFOLD_TEMPLATES = {
    "spec": ["Write the Lua for a Luanti mod that registers the {kind} `{name}`. It must have:\n{bullets}",
             "Create the {kind} \"{name}\" for Luanti (Minetest).\nRequired fields:\n{bullets}"],
    "terse": ["Register {a_kind} named \"{name}\" with {props}.",
              "Using minetest.{short}, define the {kind} `{name}` with these values: {props}.",
              "Add {a_kind} to my mod: name `{name}`; {semi}.",
              "I need {a_minetest_kind} called {name}. Set {props}."],
}
NAMELESS_TEMPLATES = {
    "spec": ["Write Luanti mod code that registers {a_kind}. It must have:\n{bullets}",
             "Create {a_minetest_kind}.\nRequired fields:\n{bullets}"],
    "terse": ["Register {a_kind} with {props}.", "Using minetest.{short}, add {a_kind} with these values: {props}.",
              "Add {a_kind} to my mod; {semi}."],
}
# "open": a plain request naming the item without its mod prefix and only a few values, in words
OPEN_TEMPLATES = ["Register a basic {kind} called '{suffix}' with {nat}.", "Make {a_kind} named {suffix} with {nat}.",
                  "Add {a_kind} '{suffix}' to my mod with {nat}.", "I want {a_kind} called {suffix} that has {nat}.",
                  "Create {a_kind} '{suffix}'. Give it {nat}."]
OPEN_NAMELESS = ["Add {a_kind} with {nat}.", "I want {a_kind} that has {nat}.", "Make {a_kind}: {nat}."]
OPEN_MAX_FIELDS = 3
CALLBACK_TEXT = {
    "action": "an `action` callback (its body may stay empty)",
    "func": "a `func(name, param)` that returns true",
}


def natural(k: str, v) -> str:
    """One stated value in words: description 'Stone', light_source 14, groups {cracky = 3}."""
    if isinstance(v, str):
        return f"{k} '{v}'"
    return f"{k} {inline(v)}"


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def describe(kind_api: str, name, fields: dict, callback, rng, templates=None, style: str = "terse") -> str:
    pairs = [f"{k} = {inline(v)}" for k, v in fields.items()]
    if callback:
        pairs.append(CALLBACK_TEXT.get(callback, f"an `{callback}` callback (an empty function is fine)"))
    kind = KIND[kind_api]
    article = "an" if kind in ("ABM", "LBM", "ore", "alias") else "a"
    if style == "open":
        nat = [natural(k, v) for k, v in fields.items()] + ([CALLBACK_TEXT.get(callback, f"an `{callback}` callback")]
                                                            if callback else [])
        tpl = rng.choice(OPEN_TEMPLATES if name is not None else OPEN_NAMELESS)
        return tpl.format(kind=kind, a_kind=f"{article} {kind}", suffix=str(name).split(":", 1)[-1], nat=_and(nat))
    if templates is None:
        templates = (SCAFFOLD_TEMPLATES if name is not None else NAMELESS_TEMPLATES)[style]
    tpl = rng.choice(templates)
    props = _and(pairs)
    return tpl.format(kind=kind, a_kind=f"{article} {kind}", a_minetest_kind=f"a Minetest {kind}",
                      name=name, short=kind_api, props=props,
                      semi="; ".join(pairs), bullets="\n".join(f"- {p}" for p in pairs))


# Only these registrations carry a mod prefix ("mymod:stone"); a chat command or privilege name has none.
PREFIX_APIS = ("register_node", "register_tool", "register_craftitem")


def expect_for(api, name, fields: dict, callback, open_prefix: bool = False) -> dict:
    exp_fields = dict(fields)
    if callback:
        exp_fields[callback] = "<function>"
    call = {"api": api, "fields": exp_fields}
    if name is not None:
        call["name"] = f"*:{name.split(':', 1)[-1]}" if open_prefix and api in PREFIX_APIS else name
    return {"calls": [call]}


def scaffold_item(reg, style: str = "terse") -> dict | None:
    """One scaffold item in a register (build_style): spec, terse, open, or chatty (a terse or open
    body in a situation). Its expectation checks what the instruction states and nothing else."""
    from domains.luanti.build_style import chatty

    rng = rng_for("scaffold", reg.source, reg.api, reg.name)
    body_style = style
    if style == "chatty":
        body_style = rng.choice(["terse", "open"])
    if reg.api == "register_alias":
        target = reg.fields["original"]
        instruction = rng.choice([
            "Make \"{a}\" an alias of the item \"{b}\".",
            "Register the alias `{a}` for `{b}` so old worlds keep working.",
            "Old maps contain \"{a}\"; map it to \"{b}\" with an alias.",
        ]).format(a=reg.name, b=target)
        output = f"minetest.register_alias({inline(reg.name)}, {inline(target)})\n"
        expect = {"calls": [{"api": "register_alias", "args": [reg.name, target]}]}
        if style == "chatty":
            instruction = chatty(instruction, rng)
        return {"family": "scaffold", "instruction": instruction, "input": "", "output": output,
                "expect": expect, "style": style if style == "chatty" else "terse"}
    if reg.api not in STATEABLE:
        return None
    fields = stated_fields(reg)
    callback = callback_field(reg)
    if len(fields) < 2 and not (callback and fields):
        return None
    name = None if reg.api in ("register_craft", "register_abm", "register_lbm", "register_ore",
                               "register_decoration", "register_biome") else reg.name
    if reg.api == "register_biome":
        if not reg.fields.get("name"):
            return None
        fields = {"name": reg.fields["name"], **fields}
    out_fields = dict(fields)
    if callback:
        out_fields[callback] = "<function>"
    open_ = body_style == "open"
    if open_:   # a few values only, the description first; the reference writes just those
        keep = sorted(fields, key=lambda k: (k != "name", k != "description"))[:OPEN_MAX_FIELDS]
        fields = {k: fields[k] for k in fields if k in keep}
        out_fields = {k: v for k, v in out_fields.items() if k in keep or k == callback}
    instruction = describe(reg.api, name, fields, callback, rng, style=body_style)
    if style == "chatty":
        instruction = chatty(instruction, rng)
    output = render_call(reg.api, name, out_fields)
    if open_ and name is not None and reg.api in PREFIX_APIS:
        # the reference keeps its prefix only when it is a plain mod name the answer could choose
        output = output.replace(f'"{name}"', f'"{_open_name(name)}"', 1)
    return {"family": "scaffold", "instruction": instruction, "input": "", "output": output,
            "expect": expect_for(reg.api, name, fields, callback, open_prefix=open_), "style": style}


def _open_name(name: str) -> str:
    """The reference's name for an open-prefix request: "mymod:<suffix>" (what a new mod would use)."""
    return "mymod:" + name.split(":", 1)[-1]


__all__ = ["scaffold_item", "stated_fields", "callback_field", "rng_for", "inline", "is_plain",
           "describe", "expect_for", "KIND", "CALLBACK_PARAMS"]
