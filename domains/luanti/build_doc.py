"""Doc items: an excerpt of the real Lua API reference (lua_api.txt) plus a task that uses that API.

* `ApiDoc` parses lua_api.txt: function bullets ("* `minetest.register_abm(abm definition)`") with
  their sub-bullets, and definition sections ("ABM (ActiveBlockModifier) definition") split into one
  block per field, so an excerpt holds exactly the fields the task needs.
* `doc_from_registration` states a real registration's values (as scaffold does) under an excerpt of
  its API; `doc_callbacks` writes tasks for the global callback registrations (register_on_joinplayer,
  after, ...), whose expectation is that the right API received a function.

Not checked: what a callback does when the engine calls it (the sandbox only loads the mod).
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path

from domains.luanti.build_items import describe, expect_for, rng_for, stated_fields, callback_field
from domains.luanti.build_render import lua_string, render_call

DEF_SECTIONS = {
    "register_node": ["Node definition", "Item definition"],
    "register_tool": ["Item definition", "Tool capabilities definition"],
    "register_craftitem": ["Item definition"],
    "register_abm": ["ABM (ActiveBlockModifier) definition"],
    "register_chatcommand": ["Chat command definition"],
    "register_privilege": ["Privilege definition"],
    "register_ore": ["Ore definition"],
    "register_decoration": ["Decoration definition"],
    "register_biome": ["Biome definition"],
}
CRAFT_SUBSECTION = {None: "Shaped", "shapeless": "Shapeless", "cooking": "Cooking", "fuel": "Furnace fuel"}
DOC_TEMPLATES = [
    "Using the API documented above, register {a_kind} named \"{name}\" with {props}.",
    "Read this excerpt of the Luanti Lua API. Then write code that registers the {kind} `{name}` with:\n"
    "{bullets}",
    "Following the documentation, call minetest.{short} for `{name}`; {semi}.",
]
DOC_NAMELESS = [
    "Using the API documented above, register {a_kind} with {props}.",
    "Read this excerpt of the Luanti Lua API. Then register {a_kind} with:\n{bullets}",
    "Following the documentation, call minetest.{short} with {props}.",
]


class ApiDoc:
    def __init__(self, path: Path):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            self.lines = fh.read().split("\n")
        self.name = path.name[:-3] if path.suffix == ".gz" else path.name
        self.headings = {}
        for i in range(len(self.lines) - 1):
            nxt = self.lines[i + 1]
            if self.lines[i].strip() and re.fullmatch(r"-{3,}|={3,}", nxt) and len(nxt) >= len(self.lines[i]) - 2:
                self.headings.setdefault(self.lines[i].strip(), i)
        self._starts = sorted(self.headings.values())

    def bullet(self, func: str):
        """(text, first_line, last_line) of the '* `minetest.func(...)`' bullet and its sub-bullets."""
        for i, ln in enumerate(self.lines):
            if ln.startswith(f"* `minetest.{func}("):
                j = i + 1
                while j < len(self.lines) and self.lines[j].startswith("  ") and self.lines[j].strip():
                    j += 1
                return "\n".join(self.lines[i:j]), i + 1, j
        raise KeyError(func)

    def section(self, title: str):
        start = self.headings[title]
        end = next((s for s in self._starts if s > start), len(self.lines))
        return start, end

    def field_blocks(self, title: str) -> dict:
        """Field name -> the block documenting it (code lines between blank lines) of a section."""
        start, end = self.section(title)
        blocks, cur = {}, []
        for ln in self.lines[start:end] + [""]:
            if ln.strip() and ln.startswith("        "):
                cur.append(ln)
                continue
            for b in [cur] if cur else []:
                for x in b:
                    m = re.match(r"^        (\w+) = ", x)
                    if m:
                        blocks.setdefault(m.group(1), "\n".join(b))
            cur = []
        return blocks

    def excerpt(self, api: str, fields, craft_type=None):
        """(excerpt text, source 'lua_api.txt:a-b') for a registration API and the fields it uses."""
        text, a, b = self.bullet(api)
        parts, ranges = [text], [(a, b)]
        if api == "register_craft":
            start, end = self.section("Crafting recipes")
            sub = "### " + CRAFT_SUBSECTION.get(craft_type, "Shaped")
            i = next(k for k in range(start, end) if self.lines[k] == sub)
            j = next((k for k in range(i + 1, end) if self.lines[k].startswith("### ")), end)
            parts.append("\n".join(self.lines[i:j]).strip())
            ranges.append((i + 1, j))
        for title in DEF_SECTIONS.get(api, []):
            blocks = self.field_blocks(title)
            # several fields can share one block (node_top and depth_top): quote each block once
            chosen = list(dict.fromkeys(blocks[f] for f in fields if f in blocks))
            if chosen:
                start, end = self.section(title)
                parts.append(f"{title}\n{'-' * len(title)}\n\n    {{\n" + "\n\n".join(chosen) + "\n    }")
                ranges.append((start + 1, end))
        return "\n\n".join(parts) + "\n", f"{self.name}:" + ",".join(f"{x}-{y}" for x, y in ranges)


def doc_from_registration(reg, doc: ApiDoc) -> dict | None:
    if reg.api not in DEF_SECTIONS and reg.api not in ("register_craft",):
        return None
    fields = stated_fields(reg)
    callback = callback_field(reg)
    if len(fields) < 2:
        return None
    nameless = reg.api in ("register_craft", "register_abm", "register_ore", "register_decoration",
                           "register_biome")
    if reg.api == "register_biome":
        if not reg.fields.get("name"):
            return None
        fields = {"name": reg.fields["name"], **fields}
    name = None if nameless else reg.name
    rng = rng_for("doc", reg.source, reg.api, reg.name)
    excerpt, src = doc.excerpt(reg.api, list(fields) + ([callback] if callback else []),
                               fields.get("type") if reg.api == "register_craft" else None)
    instruction = describe(reg.api, name, fields, callback, rng, DOC_NAMELESS if nameless else DOC_TEMPLATES)
    out_fields = dict(fields)
    if callback:
        out_fields[callback] = "<function>"
    return {"family": "doc", "instruction": instruction, "input": excerpt,
            "output": render_call(reg.api, name, out_fields),
            "expect": expect_for(reg.api, name, fields, callback), "doc_source": src}


MESSAGES = ["Welcome to the server!", "Have fun.", "Server restarts at midnight.", "Mind the lava.",
            "Read the rules at spawn.", "Good luck!"]
# api -> (function parameters, when the engine calls it). The sandbox only loads a mod, so what such a
# callback does is not checkable: the task asks for the registration only and says so.
CALLBACKS = {
    "register_on_joinplayer": ("player, last_login", "each time a player joins the game"),
    "register_on_leaveplayer": ("player, timed_out", "each time a player leaves the game"),
    "register_on_newplayer": ("player", "when a player joins for the very first time"),
    "register_on_dieplayer": ("player, reason", "whenever a player dies"),
    "register_on_respawnplayer": ("player", "whenever a player respawns"),
    "register_on_placenode": ("pos, newnode, placer, oldnode, itemstack, pointed_thing",
                              "every time a node is placed"),
    "register_on_dignode": ("pos, oldnode, digger", "every time a node is dug"),
    "register_on_punchnode": ("pos, node, puncher, pointed_thing", "every time a node is punched"),
    "register_on_chat_message": ("name, message", "for every chat message a player sends"),
    "register_on_mods_loaded": ("", "once all mods have been loaded"),
    "register_on_shutdown": ("", "just before the server shuts down"),
    "register_globalstep": ("dtime", "on every server step"),
    "register_on_player_receive_fields": ("player, formname, fields", "when a player submits a formspec"),
    "register_on_craft": ("itemstack, player, old_craft_grid, craft_inv", "whenever a player crafts an item"),
    "register_on_item_eat": ("hp_change, replace_with_item, itemstack, user, pointed_thing",
                             "whenever a player eats an item"),
    "register_on_priv_grant": ("name, granter, priv", "whenever a privilege is granted"),
    "register_on_protection_violation": ("pos, name", "when a player tries to change a protected node"),
}
CB_TEMPLATES = ["Using the API above, register a function that is called {when}. The body may stay empty.",
                "Read this part of the Luanti API reference, then register a callback that runs {when} "
                "(an empty function body is fine).",
                "Write the one registration call that makes Luanti run a function {when}; the function "
                "receives ({params}) and may do nothing."]
AFTER_TEMPLATES = [
    "Using minetest.after as documented above, make the server call minetest.chat_send_all with the "
    "message \"{msg}\" {secs} seconds after the mod loads. Pass the message as an extra argument of "
    "minetest.after.",
    "Read the excerpt, then schedule `minetest.chat_send_all(\"{msg}\")` to run after {secs} seconds: "
    "give minetest.after the function itself and the message as its extra argument.",
]


def doc_callbacks(doc: ApiDoc) -> list[dict]:
    items = []
    for api, (params, when) in sorted(CALLBACKS.items()):
        excerpt, a, b = doc.bullet(api)
        for t, tpl in enumerate(CB_TEMPLATES):
            code = f"minetest.{api}(function({params})\n\t-- called {when}\nend)\n"
            items.append({"family": "doc", "group": f"lua_api/{api}",
                          "instruction": tpl.format(when=when, params=params or "no arguments"),
                          "input": excerpt + "\n", "output": code,
                          "expect": {"calls": [{"api": api, "args": ["<function>"]}]},
                          "doc_source": f"{doc.name}:{a}-{b}"})
    excerpt, a, b = doc.bullet("after")
    for k, secs in enumerate([1, 2, 3, 5, 10, 30]):
        msg = MESSAGES[k]
        tpl = rng_for("doc-after", secs).choice(AFTER_TEMPLATES)
        items.append({"family": "doc", "group": "lua_api/after",
                      "instruction": tpl.format(msg=msg, secs=secs), "input": excerpt + "\n",
                      "output": f"minetest.after({secs}, minetest.chat_send_all, {lua_string(msg)})\n",
                      "expect": {"calls": [{"api": "after", "args": [secs, "<function>", msg]}]},
                      "doc_source": f"{doc.name}:{a}-{b}"})
    return items


def doc_dyes(game_api: Path, license_id: str) -> list[dict]:
    """Tasks on minetest_game's dye convention (game_api.txt "Dyes"): groups and dye-group recipes.

    The excerpt lists the colour groups; values of the tasks (mod and item names) are the builder's own.
    """
    doc = ApiDoc(game_api)
    start, end = doc.section("Dyes")
    excerpt = "\n".join(doc.lines[start:end]).strip() + "\n"
    colors = re.findall(r"^ \* `color_(\w+)`", excerpt, flags=re.M)
    mods = ["paint", "mymod", "colors", "crafts", "pottery"]
    items = []
    for k, color in enumerate(colors):
        mod = mods[k % len(mods)]
        label = color.replace("_", " ")
        title = label.title()
        rng = rng_for("doc-dyes", color)
        item = f"{mod}:pigment_{color}"
        fields = {"description": f"{title} Pigment", "inventory_image": f"{mod}_pigment_{color}.png",
                  "groups": {"dye": 1, f"color_{color}": 1}}
        items.append({"family": "doc", "group": "game_api/Dyes", "api": "game_api/dye_item",
                      "instruction": rng.choice([
                          "Following the game API above, register the craft item \"{i}\" with description = "
                          "\"{t} Pigment\" and inventory_image = \"{m}_pigment_{c}.png\", grouped so that "
                          "Minetest Game treats it as a {l} dye.",
                          "Using the dye convention documented above, add the craft item `{i}` "
                          "(description \"{t} Pigment\", inventory_image \"{m}_pigment_{c}.png\") that "
                          "works as a {l} dye in other mods' recipes."]).format(
                              i=item, t=title, m=mod, c=color, l=label),
                      "input": excerpt, "output": render_call("register_craftitem", item, fields),
                      "expect": {"calls": [{"api": "register_craftitem", "name": item, "fields": fields}]}})
        recipe = {"type": "shapeless", "output": f"{mod}:bucket_{color}",
                  "recipe": [f"{mod}:bucket_empty", f"group:dye,color_{color}"]}
        items.append({"family": "doc", "group": "game_api/Dyes", "api": "game_api/dye_recipe",
                      "instruction": rng.choice([
                          "Following the game API above, register a shapeless recipe whose output is "
                          "\"{o}\": first \"{e}\", then any {l} dye from any mod.",
                          "Using the dye and color groups documented above, write a shapeless crafting "
                          "recipe for `{o}` with the ingredients `{e}` followed by any {l} dye."]).format(
                              o=recipe["output"], e=recipe["recipe"][0], l=label),
                      "input": excerpt, "output": render_call("register_craft", None, recipe),
                      "expect": {"calls": [{"api": "register_craft", "fields": recipe}]}})
    for it in items:
        it["doc_source"] = f"{game_api.name}:{start + 1}-{end}"
        it["license"] = license_id
    return items
