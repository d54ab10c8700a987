"""Tests of the Luanti data builder (domains/luanti/build*.py) and of the shipped data/luanti files.

Unit tests run everywhere. The end-to-end tests need Debian's minetest-server + minetest-data: they
skip with the reason when the files are absent, unless WB_REQUIRE_SERVER=1 (CI), where they fail.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import domains
from core.errors import UserError
from domains.luanti import build_source
from domains.luanti.build_check import apply_unified_diff, check_item, near_duplicates
from domains.luanti.build_lua import Evaluator, compiles, matches
from domains.luanti.build_render import Registration, lua_value, render_call
from domains.luanti.build_repair import repair_item
from domains.luanti.build_source import SourceFile, copyright_stanzas, license_for, mask_lua, scan_calls
from tests.luanti_helpers import needs_debian

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "luanti"

REAL_SNIPPET = '''local S = minetest.get_translator("default")
-- minetest.register_node("fake:commented", {})
minetest.register_node("default:stone", {
	description = S("Stone"),
	tiles = {"default_stone.png"},
	groups = {cracky = 3, stone = 1},
	sounds = default.node_sound_stone_defaults(),
	on_construct = function(pos) local s = "a)b" end,
})
for i = 1, 3 do minetest.register_craft({output = "default:x" .. i, recipe = {{"a"}}}) end
'''


def rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_scan_calls_skips_comments_and_strings():
    calls = scan_calls(REAL_SNIPPET)
    assert [c.api for c in calls] == ["register_node", "register_craft"]
    assert calls[0].line_start == 3 and calls[0].line_end == 9
    assert calls[0].text.endswith("})")
    masked = mask_lua('x = "a(b" -- (c\ny = [[ ( ]]')
    assert "(" not in masked and len(masked) == len('x = "a(b" -- (c\ny = [[ ( ]]')


def test_evaluator_keeps_literals_and_flags_computed_fields():
    ev = Evaluator()
    (api, args, bad), = ev.evaluate(scan_calls(REAL_SNIPPET)[0].text)[0]
    assert api == "register_node" and args[0] == "default:stone"
    assert args[1]["description"] == "Stone" and args[1]["groups"] == {"cracky": 3, "stone": 1}
    assert args[1]["on_construct"] == "<function>"
    assert bad == ["sounds"] and "sounds" not in args[1]
    calls, poisoned = ev.evaluate(scan_calls(REAL_SNIPPET)[1].text)
    assert poisoned and calls[0][2] == ["output"]  # "default:x" .. i depends on the loop


def test_license_from_copyright_file(tmp_path):
    cp = tmp_path / "copyright"
    cp.write_text("Files: *\nCopyright: x\nLicense: LGPL-2.1+\n\nFiles: mtg/mods/dye/*\n mtg/mods/tnt/*\n"
                  "License: MIT\n\nFiles: mtg/mods/default/*\nLicense: CC-BY-SA-3.0\n\n"
                  "Files: mtg/mods/sfinv/*\nLicense: Expat\n", encoding="utf-8")
    st = copyright_stanzas(cp)
    assert license_for("mtg/mods/tnt/init.lua", st) == "MIT"
    assert license_for("mtg/mods/sfinv/api.lua", st) == "MIT"
    assert license_for("mtg/mods/default/nodes.lua", st) == "LGPL-2.1-or-later"  # CC stanza = media only
    assert license_for("builtin/game/chat.lua", st) == "LGPL-2.1-or-later"


def test_render_is_valid_lua_and_meets_its_expectation():
    fields = {"description": "Lamp \"x\"\n", "light_source": 14, "groups": {"cracky": 3, "oddly_breakable_by_hand": 1},
              "walkable": False, "on_construct": "<function>"}
    code = render_call("register_node", "mymod:lamp", fields)
    assert compiles(code) is None
    calls, err = Evaluator().record(code, "mymod")
    assert err is None
    assert matches({"calls": [{"api": "register_node", "name": "mymod:lamp", "fields": fields}]}, calls) is None
    assert matches({"calls": [{"api": "register_node", "fields": {"light_source": 13}}]}, calls)
    assert lua_value([1, 2.5, True]) == "{1, 2.5, true}"


def test_strict_record_enforces_name_prefix():
    calls, err = Evaluator().record('minetest.register_node("other:x", {})\n', "mymod")
    assert calls is None and "naming conventions" in err


def _reg(text, fields, name="mymod:lamp", api="register_node"):
    src = SourceFile(Path("/x/init.lua"), "devtest/mods/mymod/init.lua", "devtest/mymod", "MIT")
    return Registration(api, name, fields, [], text, True, src, 1, text.count("\n") + 1, {"indent": ""})


@pytest.mark.parametrize("index", range(6))
def test_repair_items_fail_before_and_pass_after(index):
    text = ('minetest.register_node("mymod:lamp", {\n\tdescription = "Lamp",\n\tlight_source = 14,\n'
            '\tgroups = {cracky = 3},\n\ton_punch = function(pos, node, puncher)\n\t\treturn\n\tend,\n})')
    reg = _reg(text, {"description": "Lamp", "light_source": 14, "groups": {"cracky": 3}, "on_punch": "<function>"})
    item = repair_item(reg, index)
    assert item is not None
    from domains.edit import apply_blocks, parse_blocks

    blocks = parse_blocks(item["output"])
    assert blocks and item["output"].startswith("<<<<<<< SEARCH\n")
    assert apply_blocks(item["input"], blocks) == item["fixed"]
    # only the changed lines and the context that makes them unique: never the whole file
    assert sum(len(s) for s, _ in blocks) < len(item["input"].split("\n"))
    assert check_item(item, Evaluator()) is None
    # an anti-gold: the unrepaired input must not pass as its own fix
    broken = {**item, "output": "--- a/init.lua\n+++ b/init.lua\n"}
    assert check_item(broken, Evaluator()) is not None


def test_apply_diff_refuses_wrong_context():
    with pytest.raises(ValueError):
        apply_unified_diff("a\nb\n", "--- a/init.lua\n+++ b/init.lua\n@@ -1,2 +1,2 @@\n a\n-x\n+y\n")


def test_near_duplicates_flags_only_close_pairs():
    train = ["Register a node named \"a:b\" with description = \"Stone\" and groups = {cracky = 3}.",
             "Write a chat command hello that greets the player."]
    evals = ["Register a node named \"a:b\" with description = \"Stone\" and groups = {cracky = 2}.",
             "Using minetest.register_ore, add an ore of type scatter in default:stone."]
    hits, worst = near_duplicates(evals, train, 0.75)
    assert [h[0] for h in hits] == [0] and worst >= 0.75


def test_missing_debian_packages_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(build_source, "SHARE", tmp_path / "nope")
    with pytest.raises(UserError, match="apt-get install -y minetest-server minetest-data"):
        build_source.find_sources()


# --- the shipped data ---------------------------------------------------------------------------
def test_shipped_data_is_complete_split_and_licensed():
    train, evals = rows(DATA / "train.jsonl"), rows(DATA / "eval.jsonl")
    assert len(train) >= 600 and len(evals) >= 60
    for fam in ("scaffold", "repair", "doc"):
        assert sum(r["family"] == fam for r in evals) >= 20
        assert sum(r["family"] == fam for r in train) >= 150
    keys = {"id", "family", "style", "instruction", "input", "output", "expect", "source", "license"}
    ids = [r["id"] for r in train + evals]
    assert len(ids) == len(set(ids))
    assert all(set(r) == keys and r["expect"]["calls"] for r in train + evals)

    def mod(r):  # the registration's mod; doc callback items (no registration) are split by section
        src = r["source"].split("; ")[-1]
        if src.startswith("lua_api.txt"):
            return src
        parts = src.split(":")[0].split("/")
        return "/".join(parts[:2] if parts[0] == "builtin" else parts[:3])

    def bullet(r):  # the API bullet a doc excerpt quotes first
        return r["source"].split("; ")[0].split(",")[0]
    assert not {mod(r) for r in train} & {mod(r) for r in evals}
    assert not {bullet(r) for r in train if r["family"] == "doc"} & \
        {bullet(r) for r in evals if r["family"] == "doc"}
    for split in ("train", "eval"):
        mit, cl = rows(DATA / "mit" / f"{split}.jsonl"), rows(DATA / "copyleft" / f"{split}.jsonl")
        assert all(r["license"] == "MIT" for r in mit) and all(r["license"] != "MIT" for r in cl)
        assert len(mit) + len(cl) == len(rows(DATA / f"{split}.jsonl"))
    assert all(r["output"].startswith("<<<<<<< SEARCH\n") for r in train if r["family"] == "repair")


def test_no_held_out_style_is_in_training_and_each_family_has_a_held_out_slice():
    """The phrasing-robustness split: the held-out register never occurs in train, and eval has it in
    every family (build_style)."""
    from domains.luanti.build_style import HELD_OUT, STYLES

    train, evals = rows(DATA / "train.jsonl"), rows(DATA / "eval.jsonl")
    assert HELD_OUT and not {r["style"] for r in train} & set(HELD_OUT)
    assert all(r["style"] in STYLES[r["family"]] for r in train)
    assert all(r["style"] in STYLES[r["family"]] + ("forum",) for r in evals)
    for fam in STYLES:
        assert sum(r["family"] == fam and r["style"] in HELD_OUT for r in evals) >= 5, fam
    # every register a user writes in is trained, but the held-out one
    assert {r["style"] for r in train} == {s for f in STYLES.values() for s in f} - set(HELD_OUT)


def test_the_plain_request_slice_is_eval_only_last_and_in_every_family():
    """The forum register (build_forum.py): never in training, after the sampled eval items (so --limit
    picks the same items), in every family, each request its own (no two alike)."""
    from eval.cli import stratified

    train, evals = rows(DATA / "train.jsonl"), rows(DATA / "eval.jsonl")
    forum = [r for r in evals if r["style"] == "forum"]
    assert len(forum) >= 12 and evals[-len(forum):] == forum and not [r for r in train if r["style"] == "forum"]
    assert {r["family"] for r in forum} == {"scaffold", "repair", "doc"}
    assert len({r["instruction"] for r in forum}) == len(forum)
    assert not {r["id"] for r in stratified(evals, 36)} & {r["id"] for r in forum}


def test_a_forum_request_states_no_mod_name_and_accepts_any_name_it_leaves_open():
    """A forum item's prompt has no "Mod name:" line; an item it does not name ("*:*") passes under any
    valid mod and item name, loaded as the mod the answer names, and fails without a prefix or with a
    stated value changed."""
    dom = domains.get("luanti")
    item = next(it for it in dom.load(DATA / "eval.jsonl") if it["style"] == "forum"
                and it["expect"]["calls"][0].get("name") == "*:*" and it["family"] == "scaffold")
    assert "Mod name:" not in dom.messages(item)[1]["content"]
    ref = item["output"]
    name = ref.split('("', 1)[1].split('"', 1)[0]
    assert dom.validate(item, ref).passed
    assert dom.validate(item, ref.replace(f'"{name}"', '"bakery:fresh_loaf"')).passed, "any name the request left open"
    assert not dom.validate(item, ref.replace(f'"{name}"', '"fresh_loaf"')).passed, "Luanti's naming rule still holds"
    value = next(v for v in item["expect"]["calls"][0]["fields"].values() if isinstance(v, str))
    assert dom.validate(item, ref.replace(json.dumps(value), json.dumps(value + "!"), 1)).status == "wrong_answer"


def test_an_open_request_checks_only_what_it_states():
    """An item that leaves the mod prefix open: any prefix passes, the stated values are checked."""
    dom = domains.get("luanti")
    item = next(it for it in dom.load(DATA / "train.jsonl") if it["style"] == "open"
                and any(str(c.get("name", "")).startswith("*:") for c in it["expect"]["calls"]))
    call = item["expect"]["calls"][0]
    suffix = call["name"][2:]
    assert "Mod name:" not in dom.messages(item)[1]["content"] and f":{suffix}" not in item["instruction"]
    ref = item["output"]
    assert dom.validate(item, ref).passed
    other = ref.replace(f'"mymod:{suffix}"', f'"copper_works:{suffix}"')
    assert other != ref and dom.validate(item, other).passed, "another mod prefix is as good"
    bare = ref.replace(f'"mymod:{suffix}"', f'"{suffix}"')
    assert not dom.validate(item, bare).passed, "no prefix at all breaks Luanti's naming rule"
    key, value = next((k, v) for k, v in call["fields"].items() if isinstance(v, str) and v)
    wrong = ref.replace(json.dumps(value), json.dumps(value + " (changed)"), 1)
    assert wrong != ref and dom.validate(item, wrong).status == "wrong_answer", f"a stated {key} must be checked"


def test_doc_excerpts_quote_each_block_once():
    """Two fields documented in one block (node_top, depth_top) once made the excerpt repeat it."""
    for r in rows(DATA / "train.jsonl") + rows(DATA / "eval.jsonl"):
        if r["family"] != "doc":
            continue
        blocks = [b for b in r["input"].split("\n\n") if b.startswith("        ")]
        assert len(blocks) == len(set(blocks)), r["id"]


def test_shipped_references_pass_the_builder_check():
    ev = Evaluator()
    bad = [(r["id"], p) for r in rows(DATA / "train.jsonl") + rows(DATA / "eval.jsonl")
           if (p := check_item(r, ev))]
    assert bad == []


@needs_debian
@pytest.mark.slow
def test_build_is_deterministic_and_matches_shipped_data(tmp_path):
    from domains.luanti.build import build

    stats = build(tmp_path / "a")
    assert stats["mods_in_both_splits"] == []
    for name in ("train.jsonl", "eval.jsonl", "mit/train.jsonl", "copyleft/eval.jsonl", "stats.json"):
        assert (tmp_path / "a" / name).read_bytes() == (DATA / name).read_bytes(), name


@needs_debian
@pytest.mark.slow
def test_a_larger_training_set_keeps_the_eval_set_and_drops_train_items_near_it(tmp_path, capsys):
    from scripts.build_data import main

    assert main(["--domain", "luanti", "--out", str(tmp_path / "big"), "--train-per-family", "400"]) == 0
    stats = json.loads((tmp_path / "big" / "stats.json").read_text())
    assert (tmp_path / "big" / "eval.jsonl").read_bytes() == (DATA / "eval.jsonl").read_bytes()
    assert stats["train_per_family"] == 400 and stats["splits"]["train"]["total"] > 690
    assert stats["max_eval_train_similarity"] < stats["near_dup_threshold"]
    dropped = {pair[1] for pair in stats["near_duplicate_pairs"]}
    assert len(dropped) == stats["near_duplicates_dropped"]
    assert not dropped & {r["id"] for r in rows(tmp_path / "big" / "train.jsonl")}
    assert main(["--domain", "mcp_tools", "--out", str(tmp_path / "m"), "--train-per-family", "9"]) == 2
    assert "--train-per-family is an option of the luanti domain, not of 'mcp_tools'" in capsys.readouterr().err


# --- the shipped data against the project's real validator (domains/luanti) -----------------------
def _luanti_domain():
    import domains

    return domains.get("luanti")


def test_shipped_references_pass_the_real_validator():
    from domains.check import check_references

    dom = _luanti_domain()
    items = dom.load(DATA / "train.jsonl") + dom.load(DATA / "eval.jsonl")
    failed = [(i, r.status, r.detail) for i, r in check_references(dom, items) if not r.passed]
    assert failed == []


def _anti_gold(item: dict) -> str:
    """A wrong answer for the item: unfixed repair, changed values, or the wrong callback API."""
    import difflib
    import re

    if item["family"] == "repair":
        patched = item["input"] + "-- looks fine to me\n"
        return "".join(difflib.unified_diff(item["input"].splitlines(True), patched.splitlines(True),
                                            "a/init.lua", "b/init.lua", n=3))
    out = item["output"]
    wrong = re.sub(r'"([^"\n]*)"', lambda m: f'"{m.group(1)}_x"', out)
    if wrong == out or "register_on_" in out or "globalstep" in out:
        wrong = re.sub(r"minetest\.(register_on_\w+|register_globalstep)", "minetest.register_on_cheat", out)
    return wrong


def test_anti_gold_fails_the_real_validator():
    dom = _luanti_domain()
    passed = [it["id"] for it in dom.load(DATA / "eval.jsonl") if dom.validate(it, _anti_gold(it)).passed]
    assert passed == []


def test_minetest_game_prefixes_are_renamed():
    from domains.luanti.build_render import renamed

    name, text = renamed("default:stone", 'minetest.register_node(":default:stone", {})', {"default"})
    assert name == "mtg_default:stone" and text == 'minetest.register_node("mtg_default:stone", {})'
    assert renamed("testnodes:x", '"testnodes:x"', {"default"}) == ("testnodes:x", '"testnodes:x"')
    shipped = [c.get("name", "") for r in rows(DATA / "train.jsonl") for c in r["expect"]["calls"]]
    assert not [n for n in shipped if n.startswith(("default:", "farming:", "wool:"))]


def test_only_prefixed_registrations_leave_their_prefix_open():
    """A chat command or privilege has no mod prefix: its open request keeps its exact name (a demo run
    showed "Make a chat command named detach: params ..." read as "detach:params")."""
    from domains.luanti.build_items import PREFIX_APIS

    rows_ = rows(DATA / "train.jsonl") + rows(DATA / "eval.jsonl")
    wild = [c for r in rows_ for c in r["expect"]["calls"] if str(c.get("name", "")).startswith("*:")]
    assert wild and all(c["api"] in PREFIX_APIS for c in wild)
    assert not any(f"named {c['name'][2:]}:" in r["instruction"] for r in rows_ for c in r["expect"]["calls"]
                   if str(c.get("name", "")).startswith("*:"))
