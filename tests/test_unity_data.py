"""Unity data: the seed formats' ingest (file:line errors), the 85/15 split without class/IR leakage,
and the shipped set built by the project's builder (sizes, split by archetype, determinism)."""
from __future__ import annotations

import json
import random

import pytest

import domains
from core.errors import DataError
from domains.unity_csharp import build, catalogue, seeds
from unity_helpers import fixture_code, gold_ir, needs_mcs

GPT = fixture_code("gold.cs")


def sharegpt_line(ir: dict, code: str = GPT) -> str:
    return json.dumps({"conversations": [
        {"from": "system", "value": "You are a Unity C# code generator..."},
        {"from": "human", "value": f"BEHAVIOR SPECIFICATION:\n{json.dumps(ir, indent=2)}\n\nGenerate the script."},
        {"from": "gpt", "value": code}]})


def test_sharegpt_reads_ir_after_the_header(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(sharegpt_line(gold_ir()) + "\n")
    (item,) = seeds.read_sharegpt(path)
    assert item["family"] == "ir_to_cs" and item["ir"] == gold_ir() and item["output"] == GPT
    assert item["source"].endswith("train.jsonl:1")


@pytest.mark.parametrize("line, message", [
    (json.dumps({"conversations": [{"from": "human", "value": "make a coin"}, {"from": "gpt", "value": "x"}]}),
     "no 'BEHAVIOR SPECIFICATION:' header"),
    (json.dumps({"conversations": [{"from": "human", "value": "BEHAVIOR SPECIFICATION:\n{oops"},
                                   {"from": "gpt", "value": "x"}]}), "is not JSON"),
    (sharegpt_line(dict(gold_ir(), fields="none")), r"\$\.fields"),
    (json.dumps({"conversations": [{"from": "human", "value": "BEHAVIOR SPECIFICATION: {}"}]}), "no gpt turn"),
    (json.dumps({"messages": []}), "expected 'conversations'"),
    (json.dumps({"conversations": [{"from": "robot", "value": "x"}]}), "'from' must be system/human/gpt"),
])
def test_sharegpt_errors_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(sharegpt_line(gold_ir()) + "\n" + line + "\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:2: .*" + message):
        seeds.read_sharegpt(path)


def calibration_text(pairs) -> str:
    return json.dumps({"model": "teacher", "pairs": pairs}, indent=2)


def test_calibration_pairs_give_two_families_with_their_lines(tmp_path):
    pair = {"prompt": "rotating coin that adds score", "ideal_ir": gold_ir(), "good_code": GPT}
    path = tmp_path / "calibration_data.json"
    path.write_text(calibration_text([pair, dict(pair, prompt="another")]))
    items = seeds.read_seed(path)
    assert [it["family"] for it in items] == ["ir_to_cs", "nl_to_ir"] * 2
    lines = [int(it["source"].rsplit(":", 1)[1]) for it in items]
    assert lines[0] == 4 and lines[2] > lines[0]   # where each pair starts
    text = path.read_text()
    assert text.splitlines()[lines[2] - 1].strip() == "{"


@pytest.mark.parametrize("pairs, message", [
    ([{"prompt": "x", "ideal_ir": gold_ir()}], "needs 'good_code'"),
    ([{"prompt": "x", "ideal_ir": dict(gold_ir(), class_name="7up"), "good_code": "x"}], r"\$\.class_name"),
])
def test_calibration_errors_name_the_pair_line(tmp_path, pairs, message):
    good = {"prompt": "ok", "ideal_ir": gold_ir(), "good_code": GPT}
    path = tmp_path / "cal.json"
    path.write_text(calibration_text([good] + pairs))
    with pytest.raises(DataError, match=r"cal\.json:(\d+): .*" + message) as err:
        seeds.read_calibration(path)
    assert err.value.line > 4
    path.write_text('{"pairs": [\n{"prompt": 1,,}]}')
    with pytest.raises(DataError, match=r"cal\.json:2: not JSON"):
        seeds.read_calibration(path)


def test_split_is_85_15_deterministic_and_never_leaks():
    items = []
    for i in range(60):
        ir = dict(gold_ir(), class_name=f"Coin{i % 25}")       # classes repeat: they must stay together
        items.append({"ir": ir, "family": "ir_to_cs", "n": i})
        items.append({"ir": ir, "family": "nl_to_ir", "n": i})
    train, eval_ = seeds.split(items)
    assert (train, eval_) == seeds.split(items)
    assert abs(len(eval_) - 0.15 * len(items)) <= 8
    assert not {it["ir"]["class_name"] for it in train} & {it["ir"]["class_name"] for it in eval_}
    assert not {json.dumps(it["ir"], sort_keys=True) for it in train} & {json.dumps(it["ir"], sort_keys=True) for it in eval_}


def test_eval_archetypes_share_no_stem_and_every_kind_is_on_both_sides():
    stems = [{s for a in side for s in a.stems} for side in (catalogue.TRAIN, catalogue.EVAL)]
    assert not stems[0] & stems[1]
    assert {a.kind for a in catalogue.TRAIN} == {a.kind for a in catalogue.EVAL}


def test_draws_are_deterministic_and_distinct():
    arch = catalogue.TRAIN[0]
    one = build._draws(arch, "train", 0, 10)
    assert one == build._draws(arch, "train", 0, 10)
    assert len({json.dumps(ir, sort_keys=True) for ir, _, _ in one}) == 10
    assert one != build._draws(arch, "train", 1, 10)


def test_shipped_data_sizes_split_and_license():
    dom = domains.get("unity_csharp")
    train, eval_ = dom.load(dom.default_train), dom.load(dom.default_eval)
    fam = lambda side, f: sum(it["family"] == f for it in side)   # noqa: E731
    assert fam(train, "ir_to_cs") >= 600 and fam(eval_, "ir_to_cs") >= 80
    assert all(fam(side, f) > 0 for side in (train, eval_) for f in dom.families)
    build.check_split(train, eval_)
    assert all(it["license"] and it["source"].startswith("catalogue:") for it in train + eval_)
    assert not {it["source"] for it in train} & {it["source"] for it in eval_}


def test_prepare_script_writes_the_split_and_reports_bad_input(tmp_path, capsys):
    from scripts.prepare_data import main

    lines = [sharegpt_line(dict(gold_ir(), class_name=f"Coin{i}")) for i in range(20)]
    src = tmp_path / "seed.jsonl"
    src.write_text("\n".join(lines) + "\n")
    assert main(["--domain", "unity_csharp", "--input", str(src), "--out", str(tmp_path / "out")]) == 0
    dom = domains.get("unity_csharp")
    train, eval_ = dom.load(tmp_path / "out" / "train.jsonl"), dom.load(tmp_path / "out" / "eval.jsonl")
    assert (len(train), len(eval_)) == (17, 3)
    src.write_text(lines[0] + "\n{\"conversations\": 3}\n")
    assert main(["--domain", "unity_csharp", "--input", str(src), "--out", str(tmp_path / "out2")]) == 2
    assert "seed.jsonl:2: expected 'conversations'" in capsys.readouterr().err
    assert main(["--domain", "luanti", "--input", str(src), "--out", str(tmp_path / "o3")]) == 2


@needs_mcs
def test_the_gold_ceiling_of_a_seed_file_is_reported_per_level(tmp_path, capsys):
    """A prepared seed file's references go through check-refs level by level: 20 scripts, one of them
    declaring a field with the wrong type, so all 20 compile and 19 meet their IR."""
    import re

    from scripts.check_references import main as check
    from scripts.prepare_data import main as prepare

    def line(i, wrong=False):
        code = GPT.replace("RotatingCoin", f"Coin{i}")
        code = code.replace("float rotationSpeed = 90f", "int rotationSpeed = 90") if wrong else code
        return sharegpt_line(dict(gold_ir(), class_name=f"Coin{i}"), code)

    src = tmp_path / "seed.jsonl"
    src.write_text("\n".join(line(i, wrong=i == 7) for i in range(20)) + "\n")
    assert prepare(["--domain", "unity_csharp", "--input", str(src), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    codes = [check(["--domain", "unity_csharp", "--data", str(tmp_path / "out" / f"{side}.jsonl")])
             for side in ("train", "eval")]
    out = capsys.readouterr().out
    assert sorted(codes) == [0, 1]
    reached: dict = {}
    for row in re.findall(r"levels reached: (.*)", out):
        for name, n in (part.rsplit(" ", 1) for part in row.split(", ")):
            reached[name] = reached.get(name, 0) + int(n)
    assert reached == {"extracts": 20, "parses": 20, "compiles": 20, "meets_ir": 19}
    assert "'rotationSpeed' has type int, the IR says float" in out


def test_gate_a_sees_the_compiler_and_the_grammar():
    names = [tc.name for tc in domains.get("unity_csharp").toolchains()]
    assert names == ["mcs", "tree-sitter-c-sharp"]
