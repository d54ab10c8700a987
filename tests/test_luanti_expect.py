"""Expectation matching semantics (shared with the data builder) and derivation from a gold run."""
from __future__ import annotations

from domains.luanti.expect import derive_expect, match_calls, modname_for, values_match
from domains.luanti.sandbox import LUA_FUNCTION

CALLS = [
    {"api": "register_node", "args": [":mymod:lamp", {"description": "Lamp", "light_source": 14,
                                                       "groups": {"cracky": 3, "oddly": 1}, "tiles": ["a.png"],
                                                       "on_punch": LUA_FUNCTION, "name": "mymod:lamp"}]},
    {"api": "register_node", "args": ["mymod:lamp2", {"description": "Lamp", "light_source": 14.0}]},
    {"api": "sound_play", "args": ["default_dig", {"gain": 0.5}, True]},
]


def test_deep_containment_rules():
    assert values_match({"groups": {"cracky": 3}}, CALLS[0]["args"][1])
    assert not values_match({"groups": {"cracky": 2}}, CALLS[0]["args"][1])
    assert values_match(14, 14.0 + 1e-12) and not values_match(14, 14.1)
    assert values_match(["a.png"], ["a.png"]) and not values_match(["a.png"], ["a.png", "b.png"])
    assert values_match("<function>", LUA_FUNCTION) and not values_match("<function>", "<function>")
    assert values_match("<table>", {}) and not values_match("<table>", "x")
    assert not values_match(True, 1) and not values_match(1, True)
    assert values_match([], {}) and values_match({}, [])


def test_distinct_calls_and_names():
    one = {"api": "minetest.register_node", "fields": {"description": "Lamp", "light_source": 14}}
    assert match_calls({"calls": [one, one]}, CALLS)[0]          # two distinct calls exist
    ok, why = match_calls({"calls": [one, one, one]}, CALLS)
    assert not ok and "1 of 3" in why
    named = {"api": "core.register_node", "name": "mymod:lamp", "fields": {"on_punch": "<function>"}}
    assert match_calls({"calls": [named]}, CALLS)[0]             # ":" prefix stripped
    # the generic entry must not steal the only call the named one can use
    assert match_calls({"calls": [one, named]}, CALLS[:2])[0]
    ok, why = match_calls({"calls": [{"api": "register_node", "name": "mymod:lamp", "fields": {"light_source": 3}}]}, CALLS)
    assert not ok and "field 'light_source': expected 3, got 14" in why
    assert "no such call" in match_calls({"calls": [{"api": "register_tool"}]}, CALLS)[1]


def test_args_prefix_match():
    assert match_calls({"calls": [{"api": "sound_play", "args": ["default_dig"]}]}, CALLS)[0]
    assert match_calls({"calls": [{"api": "sound_play", "args": ["default_dig", {"gain": 0.5}]}]}, CALLS)[0]
    assert not match_calls({"calls": [{"api": "sound_play", "args": ["other"]}]}, CALLS)[0]
    assert match_calls(None, [])[0] and match_calls({"calls": []}, CALLS)[0]


def test_derive_and_modname():
    exp = derive_expect(CALLS)
    assert [e["api"] for e in exp["calls"]] == ["register_node", "register_node"]
    assert exp["calls"][0]["name"] == "mymod:lamp" and exp["calls"][0]["fields"]["on_punch"] == "<function>"
    assert "name" not in exp["calls"][0]["fields"]
    assert match_calls(exp, CALLS)[0]
    assert modname_for(exp) == "mymod" and modname_for(None) == "mymod"
    assert modname_for({"calls": [{"api": "register_chatcommand", "name": "hi"},
                                  {"api": "register_node", "name": "farming:x"}]}) == "farming"


def test_a_derived_expectation_keeps_only_what_the_request_states():
    """Seed data without `expect`: the reference's run gives every field, the check keeps the stated."""
    from domains.luanti.expect import stated_only

    derived = {"calls": [{"api": "register_node", "name": "mymod:copper_scraps",
                          "fields": {"description": "Recycles old tools", "tiles": ["mymod_scraps.png"],
                                     "walkable": True, "groups": {"cracky": 3}, "on_punch": "<function>"}}]}
    text = "Register a basic node called 'copper_scraps' with description 'Recycles old tools'; not walkable."
    exp, facts = stated_only(derived, text)
    call = exp["calls"][0]
    assert call["name"] == "*:copper_scraps"                      # the prefix was never stated
    assert call["fields"] == {"description": "Recycles old tools"}  # walkable: named but its value is not
    assert set(facts["dropped"]) >= {"register_node.tiles", "register_node.groups", "register_node.on_punch"}
    full, _ = stated_only(derived, "Add mymod:copper_scraps, walkable = true, with an on_punch callback.")
    assert full["calls"][0]["name"] == "mymod:copper_scraps"
    assert full["calls"][0]["fields"] == {"walkable": True, "on_punch": "<function>"}
    bare, facts = stated_only(derived, "Make me some kind of block.")
    assert bare == {"calls": [{"api": "register_node"}]} and "register_node name mymod:copper_scraps" in facts["dropped"]
