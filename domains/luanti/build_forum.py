"""The plain-request slice of the Luanti eval set (register `forum`, eval only; used by build.py).

Requests written by hand the way a player or a mod author asks on a forum: no mod prefix, no field list,
values in words ("breaks instantly when you punch it", "only lasts one second"), one line each, each in
its own wording (not build_items' templates). Each borrows the input and the reference answer of an eval
item built from the same real registration (an eval mod or an eval API section, so nothing here is near
training data), and carries its own `expect`: only what the request asks for. A request that names no
item asks for any valid name (expected name "*:*", expect.py); a node described in words is checked on
the values the words fix (dig_immediate = 3 for "breaks instantly") and on nothing the words leave open
(which texture field, the exact groups). The prompt of a forum item states no mod name (LuantiDomain.
modname), and its answer is loaded as the mod its own code names.

Every entry must resolve to exactly the eval item it names and pass the builder's check (reference meets
this `expect`; a repair's input fails it): build.py stops naming the entry otherwise.
"""
from __future__ import annotations

STYLE = "forum"

ANY_NAME = "*:*"   # the request names no item: any "<mod>:<name>" the answer registers


def _call(api: str, name: str | None = None, **fields) -> dict:
    call: dict = {"api": api}
    if name:
        call["name"] = name
    if fields:
        call["fields"] = fields
    return {"calls": [call]}


def _callback(api: str) -> dict:
    return {"calls": [{"api": api, "args": ["<function>"]}]}


# (family, the borrowed item's source (doc: its first part), a text its reference must contain or "",
#  the request, what the request asks for)
FORUM = [
    ("scaffold", "minetest_game/mods/farming/init.lua:40-45", "",
     "how do I add bread to my game? it should just say Bread when you hover it, picture is farming_bread.png",
     _call("register_craftitem", ANY_NAME, description="Bread", inventory_image="farming_bread.png")),
    ("scaffold", "minetest_game/mods/vessels/init.lua:123-138", "",
     "Trying to make an empty drinking glass block that breaks instantly when you punch it. Should be called "
     "Empty Drinking Glass, texture vessels_drinking_glass.png",
     _call("register_node", ANY_NAME, description="Empty Drinking Glass", groups={"dig_immediate": 3})),
    ("scaffold", "minetest_game/mods/farming/nodes.lua:75-86", "",
     "need a farmland block that shows up as Wet Soil and gives you ordinary dirt (default:dirt) back when it's dug",
     _call("register_node", ANY_NAME, description="Wet Soil", drop="default:dirt")),
    ("scaffold", "devtest/mods/util_commands/init.lua:74-88", "",
     "can someone show me how to make an /infplace chat command that toggles infinite node placement? it takes no parameters",
     _call("register_chatcommand", "infplace", func="<function>")),
    ("scaffold", "minetest_game/mods/farming/init.lua:137-141", "",
     "how do I let people burn farming:wheat in a furnace? it should only last one second",
     _call("register_craft", type="fuel", recipe="farming:wheat", burntime=1)),
    ("scaffold", "devtest/mods/basetools/init.lua:233-243", "",
     "I'd like some wooden shears as a tool, with basetools_woodshears.png as the icon",
     _call("register_tool", ANY_NAME, inventory_image="basetools_woodshears.png")),
    ("scaffold", "minetest_game/mods/fireflies/init.lua:190-200", "",
     "how do I get fireflies:hidden_firefly scattered around the map as a simple decoration?",
     _call("register_decoration", deco_type="simple", decoration="fireflies:hidden_firefly")),
    ("scaffold", "minetest_game/mods/farming/init.lua:34-38", "",
     "looking for the code for a Flour item that uses farming_flour.png as its picture",
     _call("register_craftitem", ANY_NAME, description="Flour", inventory_image="farming_flour.png")),
    ("repair", "minetest_game/mods/farming/init.lua:155-159", "",
     "Added a recipe so wooden hoes burn as fuel and now the server won't even start: init.lua:3: '}' expected "
     "(to close '{' at line 1) near 'recipe'. help?",
     _call("register_craft", type="fuel", recipe="farming:hoe_wood", burntime=5)),
    ("repair", "devtest/mods/util_commands/init.lua:22-37", "",
     "my /hp command takes the whole mod down, the log says line 15: 'end' expected (to close 'function' at line 4) "
     "near '}'. what am I missing??",
     _call("register_chatcommand", "hp", description="Set your health", params="<hp>", func="<function>")),
    ("repair", "devtest/mods/basetools/init.lua:95-105", "",
     "wooden pickaxe mod refuses to load, the error points at line 4 near inventory_image. probably something dumb",
     _call("register_tool", "basetools:pick_wood", description="Wooden Pickaxe\nDigs cracky=3",
           inventory_image="basetools_woodpick.png")),
    ("repair", "minetest_game/mods/farming/nodes.lua:88-99", "",
     "my savanna soil block has no name when you hover over it in the inventory, it's supposed to read Savanna Soil",
     _call("register_node", "mtg_farming:dry_soil", description="Savanna Soil")),
    ("repair", "devtest/mods/util_commands/init.lua:302-309", "",
     "/help set_shadow shows nothing for my command even though I wrote a description for it, why?",
     _call("register_chatcommand", "set_shadow", description="Set shadow parameters of current player.")),
    ("doc", "lua_api.txt:5147-5149", "",
     "how do I run some code whenever somebody logs off my server? an empty function is fine for now",
     _callback("register_on_leaveplayer")),
    ("doc", "lua_api.txt:5133-5135", "",
     "is there a hook for when a player dies? I just need the skeleton to put my stuff in",
     _callback("register_on_dieplayer")),
    ("doc", "lua_api.txt:5085-5088", "",
     "want my mod to notice every time anyone digs any block. which callback is it and what does it look like?",
     _callback("register_on_dignode")),
    ("doc", "lua_api.txt:4978-4978,7836-7997", "basetools:dagger_wood",
     "going by these docs, how would I add a wooden dagger with basetools_wooddagger.png as its icon?",
     _call("register_tool", ANY_NAME, inventory_image="basetools_wooddagger.png")),
]


def forum_items(evals: list[dict]) -> list[dict]:
    """The FORUM entries as eval items (without id), each borrowing input, output, source and license from
    the eval item it names; a ValueError naming the entry when it does not name exactly one."""
    out = []
    for n, (family, source, marker, request, expect) in enumerate(FORUM):
        found = [it for it in sorted(evals, key=lambda x: x["id"]) if it["family"] == family
                 and it["source"].split("; ")[0] == source and marker in it["output"]]
        outputs = {it["output"] for it in found}
        if len(outputs) != 1:
            raise ValueError(f"domains/luanti/build_forum.py FORUM[{n}] ({family}, {source}): expected one eval "
                             f"item's reference to borrow, found {len(outputs)} different ones")
        base = found[0]
        out.append({"family": family, "style": STYLE, "instruction": request, "input": base["input"],
                    "output": base["output"], "expect": expect, "source": base["source"],
                    "license": base["license"], "_mod": base["_mod"], "_api": base["_api"], "_split": "eval",
                    **({"_fault": base["_fault"]} if "_fault" in base else {})})
    return out
