"""The Unity IR schema and item loading: every schema error names file:line and the JSON path; the
trigger words map to the Unity messages the system prompt promises."""
from __future__ import annotations

import json

import pytest

import domains
from core.errors import DataError
from domains.unity_csharp import ir as irmod
from unity_helpers import gold_ir


def test_gold_ir_is_valid():
    assert irmod.ir_errors(gold_ir()) == []


@pytest.mark.parametrize("mutate, where", [
    (lambda ir: ir.pop("class_name"), "'class_name' is a required property"),
    (lambda ir: ir.update(class_name="rotating coin"), "$.class_name"),
    (lambda ir: ir["fields"][1].update(type=7), "$.fields[1].type"),
    (lambda ir: ir["fields"][0].update(colour="red"), "$.fields[0]"),
    (lambda ir: ir.update(behaviors=[]), "$.behaviors"),
    (lambda ir: ir["behaviors"][0].pop("trigger"), "$.behaviors[0]"),
    (lambda ir: ir["fields"].append(dict(ir["fields"][0])), "declared twice"),
])
def test_schema_errors_name_the_path(mutate, where):
    ir = gold_ir()
    mutate(ir)
    errs = irmod.ir_errors(ir)
    assert errs and any(where in e for e in errs), errs


def test_load_names_file_and_line(tmp_path):
    dom = domains.get("unity_csharp")
    good = {"family": "ir_to_cs", "instruction": "Generate the script.", "input": json.dumps(gold_ir()),
            "output": "using UnityEngine;", "ir": gold_ir()}
    bad_ir = dict(good, ir=dict(gold_ir(), components="Rigidbody"))
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad_ir) + "\n")
    with pytest.raises(DataError, match=r"d\.jsonl:2: IR does not match the schema .*\$\.components"):
        dom.load(path)
    path.write_text(json.dumps(dict(good, family="cs_to_ir")) + "\n")
    with pytest.raises(DataError, match=r"d\.jsonl:1: unknown family 'cs_to_ir'"):
        dom.load(path)
    path.write_text(json.dumps(good) + "\n")
    assert dom.load(path)[0]["id"].startswith("ir_to_cs-")


@pytest.mark.parametrize("trigger, messages", [
    ("every frame", ("Update", "LateUpdate")),
    ("when player touches this", irmod.TOUCH),
    ("when component starts", ("Start", "Awake", "OnEnable")),
    ("after 3 seconds", ("<timer>",)),
    ("every physics step", ("FixedUpdate",)),
    ("when the player leaves the zone", irmod.LEAVE),
    ("when the moon is full", None),
])
def test_trigger_words_map_to_unity_messages(trigger, messages):
    assert irmod.trigger_messages(trigger) == messages


def test_system_prompt_states_the_rules():
    from domains.unity_csharp import prompt as p

    for rule in ("Update", "FixedUpdate", "OnTriggerEnter", "[SerializeField]", "GetComponent", "null-check",
                 "C# only", "real Unity APIs"):
        assert rule in p.system_prompt("ir_to_cs")
    msgs = domains.get("unity_csharp").messages({"family": "ir_to_cs", "instruction": "Generate.", "input": "{}"})
    assert msgs[1]["content"].startswith("BEHAVIOR SPECIFICATION:\n{}")
