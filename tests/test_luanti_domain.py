"""LuantiDomain end to end: gold fixtures pass every level, each anti-gold fails at the right level with
the right status; schema errors name file and line; check_references script; prompts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import domains
from core.errors import DataError
from domains.check import check_references

FIX = Path(__file__).parent / "fixtures" / "luanti"
BROKEN = [json.loads(line) for line in (FIX / "broken.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def dom():
    return domains.get("luanti")


@pytest.fixture(scope="module")
def gold(dom):
    return {it["id"]: it for it in dom.load(FIX / "gold.jsonl")}


def test_registry_and_contract(dom):
    assert dom.name == "luanti" and dom.families == ("scaffold", "repair", "doc")
    assert dom.levels == ("extracts", "parses", "runs", "meets_expectations")
    assert dom.levels_for({"family": "repair"})[:2] == ("extracts", "applies")
    assert dom.default_train == "data/luanti/train.jsonl" and dom.version
    names = [t.name for t in dom.toolchains()]
    assert names == ["lupa-luajit21", "luanti-server"] and dom.toolchains()[1].required is False
    ok, detail = dom.toolchains()[0].check()
    assert ok and "LuaJIT" in detail


def test_gold_passes_every_level(dom, gold):
    assert {it["family"] for it in gold.values()} == {"scaffold", "repair", "doc"}
    for item_id, res in check_references(dom, list(gold.values())):
        assert res.status == "ok", (item_id, res)
        assert res.level == "meets_expectations" and all(res.levels.values())


def test_gold_passes_when_fenced_with_chatter(dom, gold):
    item = gold["scaffold-lamp"]
    res = dom.validate(item, "Sure! Here is the mod:\n\n```lua\n" + item["output"] + "```\nHope it helps.")
    assert res.passed, res
    rep = gold["repair-bread-comma"]
    assert dom.validate(rep, "The fix:\n```diff\n" + rep["output"] + "```").passed


@pytest.mark.parametrize("case", BROKEN, ids=[f"{c['item']}:{c['why']}" for c in BROKEN])
def test_anti_gold_fails_at_the_right_level(dom, gold, case):
    res = dom.validate(gold[case["item"]], case["completion"])
    assert (res.status, res.level) == (case["status"], case["level"]), res
    assert res.detail


def test_anti_gold_covers_every_family_and_level():
    fams = {c["item"].split("-")[0] for c in BROKEN}
    assert fams == {"scaffold", "repair", "doc"}
    assert {c["level"] for c in BROKEN} >= {"", "extracts", "applies", "parses", "runs"}


def test_seed_schema_derives_id_and_expect(dom):
    items = dom.load(FIX / "seed.jsonl")
    assert [it["id"].split("-")[0] for it in items] == ["scaffold", "repair"]
    assert items[0]["id"] == dom.load(FIX / "seed.jsonl")[0]["id"]       # deterministic
    assert items[0]["expect"]["calls"][0]["name"] == "mymod:gem"
    assert items[1]["expect"]["calls"][0]["fields"]["description"] == "Bread"
    for _, res in check_references(dom, items):
        assert res.passed
    wrong = dom.validate(items[0], 'minetest.register_craftitem("mymod:gem", {description = "Jewel"})')
    assert wrong.status == "wrong_answer"


@pytest.mark.parametrize("line, message", [
    ({"family": "poem", "instruction": "x", "input": "", "output": "y"}, "unknown family 'poem'"),
    ({"family": "doc", "instruction": "x", "input": "", "output": 3}, "field 'output' must be a string"),
    ({"family": "doc", "input": "", "output": "y"}, "missing field 'instruction'"),
    ({"family": "doc", "instruction": "x", "input": "", "output": "y", "expect": {"calls": [{}]}},
     "expect.calls[0]"),
])
def test_schema_errors_name_file_and_line(dom, tmp_path, line, message):
    good = {"id": "a", "family": "doc", "instruction": "i", "input": "", "output": "x = 1", "expect": {"calls": []}}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(line) + "\n")
    with pytest.raises(DataError) as err:
        dom.load(path)
    assert f"{path}:2:" in str(err.value) and message in str(err.value)


def test_repeated_ids_load_with_their_own_stable_ids(dom, tmp_path):
    row = {"id": "same", "family": "doc", "instruction": "i", "input": "", "output": "x = 1", "expect": {"calls": []}}
    path = tmp_path / "dup.jsonl"
    path.write_text((json.dumps(row) + "\n") * 3)
    items = dom.load(path)
    assert [it["id"] for it in items] == ["same", "same~2", "same~3"] == [it["id"] for it in dom.load(path)]
    assert items[2]["duplicate_of"] == {"id": "same", "line": 1} and items[2]["line"] == 3


def test_messages(dom, gold):
    rep = dom.messages(gold["repair-bread-comma"])
    assert [m["role"] for m in rep] == ["system", "user"]
    assert "SEARCH/REPLACE" in rep[0]["content"] and "SEARCH/REPLACE blocks that fix it" in rep[1]["content"]
    assert gold["repair-bread-comma"]["input"].strip() in rep[1]["content"]
    doc = dom.messages(gold["doc-abm-moss"])
    assert "minetest.register_abm" in doc[1]["content"] and "Moss growth" in doc[1]["content"]
    assert "diff" not in doc[0]["content"]
    assert dom.reference(gold["doc-abm-moss"]) == gold["doc-abm-moss"]["output"]
    assert dom.dedup_text(gold["doc-abm-moss"]).startswith("Using this API")


def test_check_references_script(tmp_path, capsys):
    from scripts.check_references import main

    assert main(["--data", str(FIX / "gold.jsonl")]) == 0
    assert "gold ceiling 4/4 (100.0%)" in capsys.readouterr().out
    rows = [json.loads(x) for x in (FIX / "gold.jsonl").read_text().splitlines()]
    rows[0]["output"] = rows[0]["output"].replace("light_source = 14", "light_source = 3")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["--data", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "gold ceiling 3/4" in out and "FAIL line 1 scaffold-lamp [scaffold] wrong_answer at level runs" in out
    assert main(["--data", str(tmp_path / "missing.jsonl")]) == 2
    assert "file not found" in capsys.readouterr().err


@pytest.mark.parametrize("form", ["blocks", "blocks_reindented", "whole_file", "diff"])
def test_a_repair_passes_as_search_replace_blocks_a_whole_file_or_a_diff(dom, gold, form):
    """The three accepted repair answers, each applied to the broken input and scored the same way."""
    from domains.edit import make_blocks, render_blocks

    item = gold["repair-bread-comma"]
    fixed = item["input"].replace('"mymod_bread.png"\n', '"mymod_bread.png",\n')
    answer = {"blocks": render_blocks(make_blocks(item["input"], fixed)),
              "blocks_reindented": "```\n<<<<<<< SEARCH\n  inventory_image = \"mymod_bread.png\"\n=======\n"
                                   "  inventory_image = \"mymod_bread.png\",\n>>>>>>> REPLACE\n```\n",
              "whole_file": f"```lua\n{fixed}```\n",
              "diff": item["output"]}[form]
    res = dom.validate(item, answer)
    assert res.passed, res
    assert res.metrics["edit_no_change"] == 0
    if form == "blocks":
        assert answer.count("SEARCH") == 1 and len(answer.splitlines()) == 5  # only the changed line copied


def test_a_repair_that_changes_nothing_fails_and_says_so(dom, gold):
    item = gold["repair-bread-comma"]
    line = next(ln for ln in item["input"].splitlines() if "inventory_image" in ln)
    res = dom.validate(item, f"<<<<<<< SEARCH\n{line}\n=======\n{line}\n>>>>>>> REPLACE\n")
    assert not res.passed and res.levels["applies"] and res.metrics["edit_no_change"] == 1
    assert (res.status, res.detail, res.level) == ("wrong_answer", "the answer leaves the input unchanged", "applies")
