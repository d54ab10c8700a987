"""The no-op rule (domains/edit.py): in every domain with an edit family, an answer that leaves the item's
input unchanged is `wrong_answer`, "the answer leaves the input unchanged", whatever form it takes (the
whole file, re-indented, CRLF, a diff or SEARCH/REPLACE blocks that change nothing). Each domain is
tried on its own shipped edit items."""
from __future__ import annotations

import pytest

import domains
from domains.edit import NO_CHANGE, normalised, unchanged
from eval.cli import stratified

EDIT_WORDS = ("repair", "edit", "fix")
EDITING = [n for n in domains.names() if domains.get(n).edit_families]


def test_every_edit_family_is_declared_and_real():
    for name in domains.names():
        dom = domains.get(name)
        assert set(dom.edit_families) <= set(dom.families), name
        named = {f for f in dom.families if any(w in f for w in EDIT_WORDS)}
        assert named <= set(dom.edit_families), f"{name}: {named - set(dom.edit_families)} not declared"
    assert set(EDITING) >= {"luanti", "unity_csharp", "threejs"}


def test_normalised_comparison():
    assert unchanged("a = 1\n\nb = 2\n", "  a  =  1\r\nb = 2")
    assert not unchanged("a = 1\nb = 2\n", "a = 1\nb = 3\n")
    assert not unchanged("return\nx", "return x")        # a line break can matter (JavaScript's ASI)
    assert normalised("\n\n") == []


def _edit_items(dom, per_family: int = 3) -> list[dict]:
    from core.files import shipped

    items = [it for it in dom.load(shipped(dom.default_eval)) if it["family"] in dom.edit_families]
    return stratified(items, per_family * len(dom.edit_families))


def _noop_answers(dom, item) -> dict:
    src = item["input"]
    first = next(ln for ln in src.splitlines() if ln.strip())
    out = {"as given": dom.input_answer(item),
           "re-indented, CRLF": dom.input_answer({**item, "input": "\r\n".join("  " + ln.rstrip() + "   "
                                                                              for ln in src.splitlines())})}
    if dom.name in ("luanti", "unity_csharp"):   # the diff form: a line taken out and put back
        name = "init.lua" if dom.name == "luanti" else "Script.cs"
        out["diff"] = f"```diff\n--- a/{name}\n+++ b/{name}\n@@ -1,1 +1,1 @@\n-{first}\n+{first}\n```\n"
    if dom.name == "luanti":
        out["blocks"] = f"<<<<<<< SEARCH\n{first}\n=======\n{first}\n>>>>>>> REPLACE\n"
    return out


@pytest.mark.parametrize("name", EDITING)
def test_an_answer_that_changes_nothing_fails_in_every_edit_family(name):
    dom = domains.get(name)
    items = _edit_items(dom)
    assert {it["family"] for it in items} == set(dom.edit_families)
    for item in items:
        for form, answer in _noop_answers(dom, item).items():
            res = dom.validate(item, answer)
            assert (res.status, res.detail) == ("wrong_answer", NO_CHANGE), (item["id"], form, res)
            assert res.metrics["edit_no_change"] == 1 and res.levels["extracts"]
            assert not any(ok for lv, ok in res.levels.items() if lv not in ("extracts", "applies")), res


@pytest.mark.parametrize("name", [n for n in EDITING if n != "threejs"])   # three.js: the browser, slow
def test_the_reference_of_the_same_items_still_passes(name):
    dom = domains.get(name)
    for item in _edit_items(dom, 2):
        res = dom.validate(item, dom.reference(item))
        assert res.passed and res.metrics["edit_no_change"] == 0, (item["id"], res)


# --- the presence rule (domains/luanti/expect.py: stated_only, names_presence) ------------------------

LAMP_IN = ("minetest.register_node('mymod:lamp', {\n\tdescription = 'Lamp',\n\ttiles = {'mymod_lamp.png'},\n"
           "\tgroups = {cracky = 3},\n})\n")
LAMP_FIX = LAMP_IN.replace("\tgroups", "\tlight_source = 14,\n\tgroups")
LAMP_ITEM = {"family": "repair", "instruction": "Add the missing light_source field to make this node emit light",
             "input": LAMP_IN,
             "output": "```diff\n--- a/init.lua\n+++ b/init.lua\n@@ -3,3 +3,4 @@\n \ttiles = {'mymod_lamp.png'},\n"
                       "+\tlight_source = 14,\n \tgroups = {cracky = 3},\n })\n```\n"}


@pytest.fixture()
def lamp(tmp_path):
    import json

    path = tmp_path / "seed.jsonl"
    path.write_text(json.dumps(LAMP_ITEM) + "\n")
    return domains.get("luanti").load(path)[0]


def test_a_field_the_instruction_asks_for_is_kept_without_a_stated_value(lamp):
    """The issue's item: no `expect`, no value stated for light_source; the derived expectation keeps it."""
    call = lamp["expect"]["calls"][0]
    assert lamp["expect_derived"] and call["api"] == "register_node" and call["name"] == "mymod:lamp"
    assert call["fields"]["light_source"] == "<any>"        # before: dropped, and the input passed
    assert "register_node.light_source present" in lamp["expect_facts"]["kept"]
    dom = domains.get("luanti")
    assert dom.validate(lamp, lamp["output"]).passed
    other = f"```lua\n{LAMP_FIX.replace('light_source = 14', 'light_source = 9')}```"   # any value will do
    assert dom.validate(lamp, other).passed
    unchanged_input = dom.validate(lamp, f"```lua\n{LAMP_IN}```")
    assert (unchanged_input.status, unchanged_input.detail) == ("wrong_answer", NO_CHANGE)
    # the expectation itself fails the input, the no-op rule aside: the input as it is, and an answer
    # that changes something else
    res = dom.input_result(lamp)
    assert res.status == "wrong_answer" and "field 'light_source' is missing" in res.detail, res
    res = dom.validate(lamp, f"```lua\n-- a lamp that glows\n{LAMP_IN}```")
    assert res.status == "wrong_answer" and "field 'light_source' is missing" in res.detail, res


def test_only_presence_wording_keeps_an_unstated_field():
    from domains.luanti.expect import names_presence, stated_only

    assert names_presence("light_source", "Add the missing light_source field")
    assert names_presence("light_source", "Give the lamp a light_source.")
    assert not names_presence("walkable", "Register a node with description 'X'; not walkable.")
    assert not names_presence("light_source", "A lamp without a light_source, please.")
    assert not names_presence("light_source", "Fix the syntax error near light_sources.")
    derived = {"calls": [{"api": "register_node", "name": "mymod:x", "fields": {"light_source": 3, "walkable": True}}]}
    exp, _ = stated_only(derived, "mymod:x: add a light_source; not walkable.")
    assert exp["calls"][0]["fields"] == {"light_source": "<any>"}


# --- the "input passes" class (domains/check.py input_passes; audit, check-refs, the gates) ------------

def _write(path, rows):
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_an_item_whose_input_passes_is_listed_by_audit_and_check_refs_and_left_out(tmp_path, capsys):
    from eval.audit import run_audit, summary
    from eval.audit_table import render
    from eval.gold import apply_gold_ceiling
    from scripts.check_references import main as check_refs

    weak = {**LAMP_ITEM, "expect": {"calls": [{"api": "register_node", "name": "mymod:lamp"}]}}   # input meets it
    ev = _write(tmp_path / "eval.jsonl", [LAMP_ITEM, weak])
    dom = domains.get("luanti")
    rep = run_audit(dom, ev, None, tmp_path / "audit.json")
    found = rep["input_passes"]
    assert found["checked"] == 2 and [(f["line"], f["family"]) for f in found["items"]] == [(2, "repair")]
    assert summary(rep)["input_passes"] == 1 and rep["gold_ceiling"]["passed"] == 2
    table = render(rep, tmp_path / "audit.json")
    assert "1 of 2 edit items (lines 2)" in table and "input passes line 2 " in table

    assert check_refs(["--domain", "luanti", "--data", str(ev)]) == 1
    out = capsys.readouterr().out
    assert "gold ceiling 2/2" in out and "input passes 1/2 edit items" in out
    assert [ln.split()[3] for ln in out.splitlines() if ln.startswith("INPUT PASSES")] == ["2"]

    items = dom.load(ev)
    kept, record = apply_gold_ceiling(rep, items, len(items), keep=False, domain=dom)
    assert [it["line"] for it in kept] == [1] and [x["line"] for x in record["left_out"]] == [2]
    assert "cannot tell a fix from no fix" in record["left_out"][0]["why"] and not record["keep_input_passes"]
    kept, record = apply_gold_ceiling(rep, items, len(items), keep=False, domain=dom, keep_input_passes=True)
    assert len(kept) == 2 and record["left_out"] == [] and record["keep_input_passes"]
    assert "are scored (--keep-input-passes)" in capsys.readouterr().err


# the eval sets (what is scored) of every domain with an edit family, and Luanti's train set (fast); the
# train sets of Unity (150 inputs, an mcs run each: ~3 min on a loaded machine) and three.js (240, a
# browser page each) are held to it by `make check-refs` and, for three.js, its build's self-check
SHIPPED = [(n, "eval") for n in EDITING] + [("luanti", "train")]


@pytest.mark.parametrize("name, split", SHIPPED)
def test_the_shipped_sets_have_no_item_whose_input_passes(name, split):
    from core.files import shipped
    from domains.check import input_passes

    dom = domains.get(name)
    items = dom.load(shipped(getattr(dom, f"default_{split}")))
    assert any(it["family"] in dom.edit_families for it in items)
    assert input_passes(dom, items) == []
