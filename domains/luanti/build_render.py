"""Lua text from Python values, and the registrations the builder takes from real code.

* `lua_value(v)` / `render_call(api, name, fields)` write clean, deterministic Lua (tabs, fields in a
  canonical order, nested keys sorted) so that a reference answer is short and always looks the same.
* `collect(sources)` turns every real `register_*` call into a `Registration`: its literal fields
  (those that do not depend on other code), its exact text and lines, its mod and license.

Not checked here: whether the values make sense in a game (they are the real game's values).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from domains.luanti.build_lua import Evaluator
from domains.luanti.build_source import scan_calls

# Fields written first, in this order; any other field follows alphabetically.
ORDER = ["label", "name", "description", "params", "privs", "type", "output", "recipe", "burntime",
         "cooktime", "replacements", "drawtype", "tiles", "inventory_image", "wield_image", "paramtype",
         "paramtype2", "light_source", "sunlight_propagates", "walkable", "climbable", "buildable_to",
         "is_ground_content", "groups", "drop", "stack_max", "tool_capabilities", "nodenames",
         "neighbors", "interval", "chance", "catch_up", "run_at_every_load", "give_to_singleplayer",
         "give_to_admin", "ore_type", "ore", "wherein", "clust_scarcity", "clust_num_ores", "clust_size",
         "deco_type", "place_on", "sidelen", "fill_ratio", "biomes", "decoration", "y_min", "y_max"]

# Parameters of callback fields, as the API reference names them.
CALLBACK_PARAMS = {
    "action": "pos, node", "func": "name, param", "on_use": "itemstack, user, pointed_thing",
    "on_place": "itemstack, placer, pointed_thing", "on_construct": "pos", "on_destruct": "pos",
    "after_destruct": "pos, oldnode", "on_timer": "pos, elapsed",
    "on_rightclick": "pos, node, clicker, itemstack, pointed_thing", "on_punch": "pos, node, puncher",
    "after_place_node": "pos, placer, itemstack, pointed_thing", "on_dig": "pos, node, digger",
    "can_dig": "pos, player", "on_secondary_use": "itemstack, user, pointed_thing",
    "on_drop": "itemstack, dropper, pos", "on_grant": "name, granter_name",
    "on_revoke": "name, revoker_name", "after_dig_node": "pos, oldnode, oldmetadata, digger",
}
CALLBACK_BODY = {"func": "return true", "can_dig": "return true", "on_use": "return itemstack",
                 "on_place": "return itemstack", "on_secondary_use": "return itemstack"}

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYWORDS = {"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
             "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"}


def lua_string(s: str) -> str:
    esc = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    esc = "".join(c if c >= " " or c == "\t" else f"\\{ord(c)}" for c in esc)
    return f'"{esc}"'


def lua_key(k: str) -> str:
    return k if _IDENT.match(k) and k not in _KEYWORDS else f"[{lua_string(k)}]"


def lua_value(v, indent: int = 1, width: int = 72) -> str:
    """One Lua expression; tables are inline when short (<= width), else one entry a line."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, float) else str(v)
    if isinstance(v, str):
        return lua_string(v)
    if isinstance(v, list):
        parts = [lua_value(x, indent + 1, width) for x in v]
    else:
        parts = [f"{lua_key(k)} = {lua_value(v[k], indent + 1, width)}" for k in sorted(v)]
    inline = "{" + ", ".join(parts) + "}"
    if len(inline) <= width and "\n" not in inline:
        return inline
    pad = "\t" * indent
    return "{\n" + "".join(f"{pad}\t{p},\n" for p in parts) + pad + "}"


def field_order(fields: dict) -> list[str]:
    return sorted(fields, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))


def render_def(fields: dict) -> str:
    lines = ["{"]
    for k in field_order(fields):
        v = fields[k]
        if v == "<function>":
            params = CALLBACK_PARAMS.get(k, "...")
            body = CALLBACK_BODY.get(k)
            inner = f"\n\t\t{body}\n\t" if body else " "
            lines.append(f"\t{lua_key(k)} = function({params}){inner}end,")
        else:
            lines.append(f"\t{lua_key(k)} = {lua_value(v)},")
    lines.append("}")
    return "\n".join(lines)


def render_call(api: str, name: str | None, fields: dict) -> str:
    head = f"minetest.{api}({lua_string(name)}, " if name is not None else f"minetest.{api}("
    return head + render_def(fields) + ")\n"


@dataclass
class Registration:
    api: str
    name: str | None           # first string argument, leading ":" stripped; None for crafts/ABMs
    fields: dict               # literal definition fields ("<function>" for callbacks)
    nonliteral: list           # fields whose value depends on other code
    text: str                  # exact call text from the file
    self_contained: bool       # the call touched nothing but literals, S() and the minetest table
    src: object                # SourceFile
    line_start: int
    line_end: int
    extra: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"{self.src.rel}:{self.line_start}-{self.line_end}"

    @property
    def modname(self) -> str:
        return self.name.split(":")[0] if self.name and ":" in self.name else "mymod"


NAMELESS = {"register_craft", "register_abm", "register_lbm", "register_ore", "register_decoration",
            "register_biome"}


PREFIXED = ("register_node", "register_tool", "register_craftitem")


def renamed(name: str, text: str, taken: set) -> tuple[str, str]:
    """A name whose mod prefix is one of minetest_game's mods gets "mtg_" in front of it.

    A mod registering "default:stone" would have to be called "default" and would replace the real
    game's mod in a server check; "mtg_default:stone" keeps the origin readable and loads beside it.
    The call text is changed at the name argument only.
    """
    prefix, item = name.split(":", 1)
    if prefix not in taken:
        return name, text
    new = f"mtg_{prefix}:{item}"
    for old in (f'":{name}"', f'"{name}"'):
        if old in text:
            return new, text.replace(old, f'"{new}"', 1)
    return new, text


def collect(sources) -> list[Registration]:
    ev = Evaluator()
    regs = []
    taken = {s.mod.split("/", 1)[1] for s in sources if s.mod.startswith("minetest_game/")}
    for src in sources:
        text = src.path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for call in scan_calls(text):
            res, poisoned = ev.evaluate(call.text)
            if not res or len(res) != 1:
                continue
            api, args, bad = res[0]
            if api not in NAMELESS and api != "register_alias":
                if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], dict):
                    continue
                name, fields = args[0].lstrip(":"), args[1]
            elif api == "register_alias":
                if len(args) != 2 or not all(isinstance(a, str) and a != "<poison>" for a in args):
                    continue
                name, fields = args[0], {"original": args[1]}
            else:
                if not args or not isinstance(args[0], dict):
                    continue
                name, fields = None, args[0]
            if not name and api not in NAMELESS or name and ":" not in name and api in (
                    "register_node", "register_tool", "register_craftitem", "register_entity"):
                continue
            text_ = call.text
            if api in PREFIXED:
                name, text_ = renamed(name, text_, taken)
            line = lines[call.line_start - 1]
            indent = line[:len(line) - len(line.lstrip())]
            regs.append(Registration(api, name, fields, bad, text_, not poisoned, src,
                                     call.line_start, call.line_end, {"indent": indent}))
    return regs
