"""Unity, trust round 3: the seed's real IR shapes (an action as an object) load, normalised in one place
(ir.normalise_ir), and their references compile (check-refs); the policy resolves names as the compiler
does (global::, aliases, fully qualified names)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import domains
from core.errors import DataError
from domains.unity_csharp import ir as irmod, seeds
from unity_helpers import needs_mcs

FIX = Path(__file__).parent / "fixtures" / "unity_csharp"
SHAREGPT, CALIBRATION = FIX / "seed_sharegpt.jsonl", FIX / "seed_calibration.json"


def test_an_action_may_be_a_string_or_an_object_with_action():
    ir = {"class_name": "A", "components": [], "fields": [],
          "behaviors": [{"name": "b", "trigger": "every frame",
                         "actions": ["jump", {"action": "rotate at speed"},
                                     {"action": "move", "speed": 2, "to": {"x": 1}}]}]}
    out = irmod.normalise_ir(ir)
    assert out["behaviors"][0]["actions"] == ["jump", "rotate at speed", 'move (speed: 2, to: {"x": 1})']
    assert ir["behaviors"][0]["actions"][1] == {"action": "rotate at speed"}       # a copy; the input kept
    assert irmod.ir_errors(ir) == [] and irmod.check_ir(ir, "f", 1) == out
    bad = {**ir, "behaviors": [{"name": "b", "trigger": "t", "actions": [{"do": "jump"}]}]}
    with pytest.raises(DataError, match=r"f:3: .*at \$\.behaviors\[0\]\.actions\[0\]"):
        irmod.check_ir(bad, "f", 3)


def test_the_seeds_sharegpt_and_calibration_files_load():
    items = seeds.read_seed(SHAREGPT)
    assert [it["ir"]["class_name"] for it in items] == ["RotatingCoin", "Spinner", "HealthPickup"]
    assert items[0]["ir"]["behaviors"][0]["actions"] == [
        "rotate around vertical axis at rotation speed (target: self, axis: spinAxis)"]
    assert items[2]["ir"]["behaviors"][0]["actions"] == ["log heal amount (value: healAmount)", "destroy this"]
    assert json.loads(items[1]["input"]) == items[1]["ir"]      # the prompt shows the normalised IR
    cal = seeds.read_seed(CALIBRATION)
    assert [it["family"] for it in cal] == ["ir_to_cs", "nl_to_ir"] * 2
    assert cal[0]["ir"] == items[0]["ir"] and cal[1]["source"].endswith(":5")


def test_a_project_file_with_object_actions_loads_and_an_ir_answer_may_use_them(tmp_path):
    from domains.unity_csharp.validate import stated_facts, validate_ir

    raw = json.loads(json.loads(SHAREGPT.read_text().splitlines()[1])["conversations"][1]["value"]
                     .split("SPECIFICATION:\n", 1)[1].rsplit("\n\n", 1)[0])
    path = tmp_path / "eval.jsonl"
    path.write_text(json.dumps({"family": "nl_to_ir", "instruction": "a propeller", "input": "",
                                "output": json.dumps(raw), "ir": raw}) + "\n")
    (item,) = domains.get("unity_csharp").load(path)
    assert isinstance(item["ir"]["behaviors"][0]["actions"][0], str)
    assert validate_ir(stated_facts(item["ir"]), f"```json\n{json.dumps(raw)}\n```").passed


@needs_mcs
def test_the_prepared_seed_file_reports_its_compile_ceiling(tmp_path, capsys):
    from scripts.check_references import main as check_refs
    from scripts.prepare_data import main as prepare

    assert prepare(["--domain", "unity_csharp", "--input", str(SHAREGPT), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert check_refs(["--domain", "unity_csharp", "--data", str(tmp_path / "train.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "gold ceiling 3/3 (100.0%)" in out and "compiles 3, meets_ir 3" in out


# --- the policy: names as the compiler resolves them (domains/unity_csharp/policy.py) ------------------

SCRIPT = "using UnityEngine;\n{using}\npublic class Hostile : MonoBehaviour\n{{\n    void Start()\n    {{\n        {call}\n    }}\n}}\n"


@pytest.mark.parametrize("using, call, hit", [
    ("", 'global::System.IO.File.Delete("x");', "System.IO"),             # the case
    ("using F = System.IO.File;", 'F.Delete("x");', "System.IO"),
    ("using S = System;", 'S.IO.File.Delete("x");', "System.IO"),
    ("using S = global::System;", 'S.Net.WebClient c = null;', "System.Net"),
    ("", '@System.@IO.File.Delete("x");', "System.IO"),
    ("", 'System /* hidden */ . IO.File.Delete("x");', "System.IO"),
    ("", 'System.Diagnostics.Process.Start("sh");', "System.Diagnostics"),
    ("", 'var m = System.Type.GetType("System.IO.File").GetMethod("Delete");', "GetMethod"),
    ("using static System.IO.File;", 'Delete("x");', "System.IO"),
])
def test_the_policy_refuses_file_network_and_process_access_however_named(using, call, hit):
    from domains.unity_csharp import syntax
    from domains.unity_csharp.validate import check_code, forbidden_uses

    code = SCRIPT.format(using=using, call=call)
    tree = syntax.parse(code)
    assert syntax.syntax_errors(tree) == [] and hit in forbidden_uses(tree)
    ir = {"class_name": "Hostile", "components": [], "fields": [],
          "behaviors": [{"name": "b", "trigger": "when it starts", "actions": ["do it"]}]}
    res = check_code(ir, code, {"extracts": True, "parses": False, "compiles": False, "meets_ir": False})
    assert res.status == "wrong_answer" and "may not touch files, network, processes" in res.detail, res


def test_a_namespace_inside_system_is_refused_and_plain_scripts_pass_the_policy():
    from domains.unity_csharp import syntax
    from domains.unity_csharp.policy import forbidden_uses

    inside = "namespace System.Tools { public class A { void M() { IO.File.Delete(\"x\"); } } }"
    assert forbidden_uses(syntax.parse(inside)) == ["namespace System.Tools"]
    fine = ("using System; using System.Collections; using System.Collections.Generic; using UnityEngine;\n"
            "public class A : MonoBehaviour { List<int> xs; IEnumerator Go() { yield return null; }\n"
            "  void Update() { transform.Rotate(Vector3.up * Math.Abs(-1f)); GetComponent<Rigidbody>(); } }")
    assert forbidden_uses(syntax.parse(fine)) == []
