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
