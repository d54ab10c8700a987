"""Foreign data: files in the seeds' schema (no `expect`) and OpenAI tool-call files with the defects data
from the wild has. Schema errors stop with file:line; defects load and are counted exactly by the audit
and check-refs. The fixtures are written here, one per defect, plus one file mixing them."""
from __future__ import annotations

import json

import pytest

from core.errors import DataError
from domains import get
from eval.audit import ContaminatedError, run_audit
from scripts.check_references import main as check_refs

GEM = {"family": "scaffold", "input": "", "instruction": "Register a craftitem mymod:gem described as \"Gem\".",
       "output": 'minetest.register_craftitem("mymod:gem", {description = "Gem", inventory_image = "mymod_gem.png"})\n'}
LAMP = {"family": "scaffold", "input": "", "instruction": "Register a node mymod:lamp that gives light 14.",
        "output": 'minetest.register_node("mymod:lamp", {description = "Lamp", light_source = 14})\n'}
BROKEN = {"family": "scaffold", "input": "", "instruction": "Register a node mymod:stone described as \"Stone\".",
          "output": 'minetest.register_node("mymod:stone", {description = "Stone" tiles = {"mymod_stone.png"}})\n'}
RUBY = {"family": "scaffold", "input": "", "instruction": "Register a craftitem other:ruby described as \"Ruby\".",
        "output": 'minetest.register_craftitem("other:ruby", {description = "Ruby"})\n'}
SAND = {"family": "scaffold", "input": "", "instruction": "Register a falling node mymod:sand.",
        "output": 'minetest.register_node("mymod:sand", {description = "Sand", groups = {falling_node = 1}})\n'}


def _repair(name: str, old: str, new: str) -> dict:
    bad = f'minetest.register_craftitem("mymod:{name}", {{\n\tdescription = "{name}"\n\tinventory_image = "x.png",\n}})\n'
    diff = (f"--- {old}\n+++ {new}\n@@ -1,4 +1,4 @@\n minetest.register_craftitem(\"mymod:{name}\", {{\n"
            f"-\tdescription = \"{name}\"\n+\tdescription = \"{name}\",\n \tinventory_image = \"x.png\",\n }})\n")
    return {"family": "repair", "input": bad, "instruction": "Fix the syntax error.", "output": diff}


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def dom():
    return get("luanti")


def _refs(capsys, *args):
    code = check_refs(list(args))
    cap = capsys.readouterr()
    return code, cap.out + cap.err


# --- one fixture per defect ---------------------------------------------------------------------------

def test_diffs_naming_other_files_load_and_pass(dom, tmp_path, capsys):
    path = _write(tmp_path / "diffs.jsonl", [_repair("bread", "a/file.lua", "b/file.lua"),
                                            _repair("cake", "file.lua", "file.lua"),
                                            _repair("pie", "a/mymod/init.lua", "b/mymod/init.lua")])
    assert [it["gold_defect"] for it in dom.load(path) if "gold_defect" in it] == []
    code, out = _refs(capsys, "--data", str(path))
    assert code == 0 and "gold ceiling 3/3 (100.0%)" in out and "FAIL" not in out
    rep = run_audit(dom, path, None, tmp_path / "audit.json")
    assert rep["gold_ceiling"]["passed"] == 3 and rep["gold_ceiling"]["failures"] == []


def test_refused_diff_paths_are_gold_failures_with_the_reason(dom, tmp_path, capsys):
    path = _write(tmp_path / "paths.jsonl", [_repair("bread", "a/file.lua", "b/other.lua"),
                                            _repair("cake", "a/../init.lua", "b/init.lua"),
                                            _repair("pie", "/etc/init.lua", "/etc/init.lua")])
    reasons = [it["gold_defect"]["reason"] for it in dom.load(path)]
    assert "several files (file.lua, other.lua)" in reasons[0]
    assert "contains '..'" in reasons[1] and "absolute path" in reasons[2]
    code, out = _refs(capsys, "--data", str(path))
    assert code == 1 and "gold ceiling 0/3" in out and out.count("FAIL line ") == 3


def test_duplicates_load_with_distinct_stable_ids_and_are_counted(dom, tmp_path, capsys):
    ev = _write(tmp_path / "eval.jsonl", [GEM, LAMP, GEM, GEM])
    train = _write(tmp_path / "train.jsonl", [SAND, SAND])
    items = dom.load(ev)
    ids = [it["id"] for it in items]
    assert len(set(ids)) == 4 and ids[2:] == [ids[0] + "~2", ids[0] + "~3"]
    assert ids == [it["id"] for it in dom.load(ev)]                       # stable
    code, out = _refs(capsys, "--data", str(ev))
    assert code == 0 and "gold ceiling 4/4" in out and "note: 2 item(s) repeat an earlier one" in out
    rep = run_audit(dom, ev, train, tmp_path / "audit.json")
    dup = rep["duplicates"]
    assert dup["eval_count"] == 2 and dup["eval"] == [{"ids": [ids[0], ids[2], ids[3]], "lines": [1, 3, 4]}]
    assert dup["train_count"] == 1 and dup["train"][0]["lines"] == [1, 2]
    assert len(rep["schema_warnings"]) == 3 and f"{ev}:3: line 3 {ids[2]} repeats {ids[0]} (line 1)" in rep["schema_warnings"][0]


def test_a_broken_reference_loads_marked_and_is_a_gold_failure(dom, tmp_path, capsys):
    path = _write(tmp_path / "broken.jsonl", [GEM, BROKEN, LAMP])
    items = dom.load(path)
    mark = items[1]["gold_defect"]
    assert mark["status"] == "syntax_error" and mark["line"] == 2 and mark["level"] == "extracts"
    assert "does not run in the sandbox" in mark["reason"] and items[1]["expect"] is None
    code, out = _refs(capsys, "--data", str(path))
    assert code == 1 and "gold ceiling 2/3 (66.7%)" in out
    assert f"FAIL line 2 {items[1]['id']} [scaffold] syntax_error at level extracts" in out
    rep = run_audit(dom, path, None, tmp_path / "audit.json")
    fails = rep["gold_ceiling"]["failures"]
    assert rep["gold_ceiling"]["passed"] == 2 and [(f["line"], f["status"]) for f in fails] == [(2, "syntax_error")]
    assert (rep["eval"]["expect_explicit"], rep["eval"]["expect_derived"], rep["eval"]["expect_missing"]) == (0, 2, 1)


def test_check_refs_lists_every_failure_not_the_first(dom, tmp_path, capsys):
    other = dict(BROKEN, instruction="Another broken one.", output=BROKEN["output"].replace("stone", "slate"))
    path = _write(tmp_path / "two.jsonl", [BROKEN, GEM, other])
    code, out = _refs(capsys, "--data", str(path))
    assert code == 1 and "gold ceiling 1/3" in out
    assert [ln.split()[2] for ln in out.splitlines() if ln.startswith("FAIL")] == ["1", "3"]


def test_template_near_is_reported_and_a_threshold_makes_it_contamination(dom, tmp_path):
    ev = _write(tmp_path / "eval.jsonl", [GEM, LAMP])
    train = _write(tmp_path / "train.jsonl", [RUBY, SAND])
    rep = run_audit(dom, ev, train, tmp_path / "audit.json")
    ov = rep["overlap"]
    assert rep["verdict"] == "clean" and ov["train_eval_exact"] == [] and ov["train_eval_near"] == []
    assert [(t["line"], t["train_ids"]) for t in ov["train_eval_template"]] == [(1, [dom.load(train)[0]["id"]])]
    assert "1 eval items are template-near a training item" in rep["warnings"]
    assert run_audit(dom, ev, train, tmp_path / "a.json", template_threshold=0.5)["verdict"] == "clean"
    with pytest.raises(ContaminatedError, match="template-near"):
        run_audit(dom, ev, train, tmp_path / "a.json", template_threshold=0.4)


def test_mixed_defects_stop_at_the_first_schema_error(dom, tmp_path, capsys):
    bad_family = dict(GEM, family="poem")
    no_output = {k: v for k, v in LAMP.items() if k != "output"}
    path = _write(tmp_path / "mixed.jsonl", [GEM, GEM, BROKEN, _repair("bread", "a/file.lua", "b/file.lua"),
                                            no_output, bad_family])
    with pytest.raises(DataError, match=r"mixed\.jsonl:5: missing field 'output'"):
        dom.load(path)
    code, out = _refs(capsys, "--data", str(path))
    assert code == 2 and f"{path}:5: missing field 'output'" in out


# --- MCP ----------------------------------------------------------------------------------------------

TOOLS = [{"type": "function", "function": {"name": "emu.run", "description": "Run frames.", "parameters": {
            "type": "object", "properties": {"frames": {"type": "integer", "minimum": 1}}, "required": ["frames"]}}},
         {"type": "function", "function": {"name": "fs.save", "description": "Save a screenshot.", "parameters": {
             "type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}}]


def _conv(request: str, *calls) -> dict:
    return {"messages": [{"role": "user", "content": request}, {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
        for i, (n, a) in enumerate(calls)]}]}


def test_mcp_duplicates_and_missing_tool_calls_load_and_are_reported(tmp_path, capsys, monkeypatch):
    import domains
    from domains.mcp_tools import McpToolsDomain

    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps(TOOLS))
    run30 = _conv("Run 30 frames.", ("emu.run", {"frames": 30}))
    path = _write(tmp_path / "calls.jsonl", [run30, run30, _conv("Dump the save RAM.", ("emu.dump", {"bank": 1})),
                                            _conv("Save a screenshot to a.png.", ("fs.save", {"path": "a.png"})),
                                            _conv("Run 5 frames then dump.", ("emu.run", {"frames": 5}),
                                                  ("mem.dump", {}))])
    dom = McpToolsDomain(tools=tools)
    items = dom.load(path)
    assert len(items) == 5 and [i for i, it in enumerate(items, 1) if "gold_defect" in it] == [3, 5]
    rep = run_audit(dom, path, None, tmp_path / "audit.json")
    assert rep["duplicates"]["eval_count"] == 1 and rep["duplicates"]["eval"][0]["lines"] == [1, 2]
    gold = rep["gold_ceiling"]
    assert (gold["passed"], gold["total"]) == (3, 5) and [f["line"] for f in gold["failures"]] == [3, 5]
    assert "emu.dump" in gold["failures"][0]["detail"] and "mem.dump" in gold["failures"][1]["detail"]
    monkeypatch.setenv("TOOLS", str(tools))
    monkeypatch.setattr(domains, "_cache", {})
    code, out = _refs(capsys, "--domain", "mcp_tools", "--data", str(path))
    assert code == 1 and "gold ceiling 3/5" in out and out.count("FAIL line ") == 2


# --- training -----------------------------------------------------------------------------------------

def test_training_drops_broken_references_with_a_warning(dom, tmp_path, capsys):
    from training.data import build_dataset

    path = _write(tmp_path / "train.jsonl", [GEM, BROKEN, LAMP, SAND])
    ds, info = build_dataset(dom, path)
    assert len(ds) == 3 and info["items_read"] == 4 and info["items"] == 3
    assert [(x["line"], x["why"][:12]) for x in info["left_out"]] == [(2, "broken gold:")]
    assert "1 of 4 items have a reference that does not pass" in capsys.readouterr().err
    ds, info = build_dataset(dom, path, keep_broken_gold=True)
    assert len(ds) == 4 and info["left_out"] == [] and info["keep_broken_gold"] is True


# --- end to end: make audit, make check-refs, gate B on the tiny model -------------------------------

def _make(*args) -> "subprocess.CompletedProcess":
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return subprocess.run(["make", "-s", "-C", str(root), *args], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_seed_schema_file_runs_through_audit_check_refs_and_gate_b(tiny_model_dir, tmp_path):
    import scripts.baseline as baseline

    ev = _write(tmp_path / "eval.jsonl", [GEM, _repair("bread", "a/file.lua", "b/file.lua"), LAMP, GEM, BROKEN,
                                         _repair("cake", "file.lua", "file.lua")])
    train = _write(tmp_path / "train.jsonl", [RUBY, RUBY, SAND])
    audit = _make("audit", f"DATA={ev}", f"TRAIN_DATA={train}", f"ARGS=--out {tmp_path / 'audit.json'}")
    assert audit.returncode == 0, audit.stderr
    table = {ln.split("  ")[1].strip(): ln for ln in audit.stdout.splitlines() if ln.startswith("  ") and "  " in ln[2:]}
    assert table["items"].split()[1:] == ["6", "3"]
    assert table["duplicates"].split()[1:] == ["1", "(lines", "1=4)", "1", "(lines", "1=2)"]
    assert table["overlap exact"].split()[-1] == "0" and table["overlap near"].split()[-1] == "0"
    assert table["overlap template-near"].split()[-1] == "2"
    assert "5/6 (83.3%)" in table["gold ceiling"] and table["schema warnings"].split()[-1] == "2"
    assert "gold FAIL line 5" in audit.stdout and "verdict: clean" in audit.stdout
    refs = _make("check-refs", f"DATA={ev}")
    assert refs.returncode == 2 and "check-refs] Error 1" in refs.stderr   # make: the script exited 1
    assert "gold ceiling 5/6 (83.3%)" in refs.stdout
    assert [ln.split()[2] for ln in refs.stdout.splitlines() if ln.startswith("FAIL")] == ["5"]

    out = tmp_path / "baseline"
    gen = ["--domain", "luanti", "--eval-data", str(ev), "--train-data", str(train), "--model", str(tiny_model_dir),
           "--n", "1", "--max-new-tokens", "4", "--precision", "fp32", "--workers", "1", "--quiet"]
    assert baseline.main(gen + ["--out", str(out)]) == 0
    res = json.loads((out / "results.json").read_text())
    d = res["data"]
    assert (d["items_read"], d["items_selected"], d["items"]) == (6, 6, 5) and res["keep_broken_gold"] is False
    assert [(x["line"], x["why"].split(" (")[0]) for x in d["left_out"]] == [(5, "gold answer fails its validator")]
    assert (d["expect_explicit"], d["expect_derived"]) == (0, 5)
    assert res["audit"]["gold_ceiling"] == pytest.approx(5 / 6) and res["audit"]["train_eval_template"] == 2
    assert baseline.main(gen + ["--keep-broken-gold", "--out", str(tmp_path / "kept")]) == 0
    kept = json.loads((tmp_path / "kept" / "results.json").read_text())
    assert kept["data"]["items"] == 6 and kept["data"]["left_out"] == [] and kept["keep_broken_gold"] is True
