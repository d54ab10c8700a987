"""mcp_tools scoring: golden generations with exact metrics, gold ceiling on the shipped data,
perturbed calls failing with the right reason, normalisation, and hostile output as scored failures."""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest

from domains.mcp_tools import McpToolsDomain
from domains.mcp_tools.calls import format_calls, parse_calls

FIX = Path(__file__).parent / "fixtures" / "mcp"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fixture_domain():
    return McpToolsDomain(tools=FIX / "openai_tools.json")


@pytest.fixture(scope="module")
def fixture_items(fixture_domain):
    return {i["id"]: i for i in fixture_domain.load(FIX / "items.jsonl")}


@pytest.fixture(scope="module")
def shipped():
    dom = McpToolsDomain(tools=ROOT / "data/mcp_tools/tools.json")
    return dom, dom.load(ROOT / dom.default_train) + dom.load(ROOT / dom.default_eval)


GOLDEN = [json.loads(line) for line in (FIX / "golden_generations.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("case", GOLDEN, ids=[f"{g['item']}-{g['metrics']['reason']}" for g in GOLDEN])
def test_golden_generations_give_exact_metrics(case, fixture_domain, fixture_items):
    r = fixture_domain.validate(fixture_items[case["item"]], case["completion"])
    assert r.status == case["status"], r.detail
    assert r.metrics == case["metrics"]


def test_every_shipped_gold_answer_is_an_exact_match(shipped):
    dom, items = shipped
    results = [dom.validate(it, dom.reference(it)) for it in items]
    assert len(items) == 695   # 600 train + 80 eval + 15 forum (plain requests)
    assert all(r.passed for r in results), [r.detail for r in results if not r.passed][:3]
    summary = dom.breakdown(items, results)
    assert summary["overall"]["exact_match"] == 1.0 and summary["overall"]["param_f1"] == 1.0
    assert set(summary["by_family"]) == {"single", "multi", "sequence"}
    assert len(summary["by_tool"]) == 23


def _perturb(item, kind):
    """Return perturbed gold calls and the reason the scorer must give, or None if not applicable."""
    calls = copy.deepcopy(item["calls"])
    schemas = {t["name"]: t["parameters"] for t in item["tools"]}
    if kind == "wrong_tool":
        other = next((t for t in schemas if t not in {c["name"] for c in calls}), None)
        if other is None:
            return None
        calls[0]["name"] = other
    elif kind == "missing_required":
        req = schemas[calls[0]["name"]].get("required") or []
        if not req:
            return None
        calls[0]["arguments"].pop(req[0])
    elif kind == "wrong_type":
        props = schemas[calls[0]["name"]]["properties"]
        key = next((k for k in calls[0]["arguments"] if props[k].get("type") == "integer"), None)
        if key is None:
            return None
        calls[0]["arguments"][key] = [calls[0]["arguments"][key]]
    elif kind == "wrong_order":
        if len(calls) < 2 or calls[0]["name"] == calls[1]["name"]:
            return None
        calls[0], calls[1] = calls[1], calls[0]
    elif kind == "extra_call":
        calls.append(copy.deepcopy(calls[0]))
    elif kind == "missing_call":
        if len(calls) < 2:
            return None
        calls.pop()
    return calls


@pytest.mark.parametrize("kind", ["wrong_tool", "missing_required", "wrong_type", "wrong_order", "extra_call",
                                  "missing_call"])
def test_perturbed_calls_fail_with_the_right_reason(shipped, kind):
    dom, items = shipped
    tried = 0
    for item in items[::7]:
        calls = _perturb(item, kind)
        if calls is None:
            continue
        tried += 1
        r = dom.validate(item, format_calls(calls))
        assert r.status == "wrong_answer" and r.metrics["reason"] == kind, (item["id"], r.detail)
        assert r.metrics["exact_match"] == 0.0
    assert tried >= 10


@pytest.mark.parametrize("address", ["0x7E0010", "$7E0010", "$7E:0010", "7e0010", 8257552])
def test_address_forms_normalise_to_the_same_call(fixture_domain, fixture_items, address):
    out = json.dumps({"name": "emu.read", "arguments": {"address": address, "length": 4, "space": "cpu"}})
    assert fixture_domain.validate(fixture_items["A"], out).passed


def test_wrong_enum_and_out_of_range_are_schema_failures(fixture_domain, fixture_items):
    bad_enum = '{"name": "emu.read", "arguments": {"address": "0x7E0010", "length": 4, "space": "CPU"}}'
    bad_range = '{"name": "emu.read", "arguments": {"address": "0x7E0010", "length": 400}}'
    r1 = fixture_domain.validate(fixture_items["A"], bad_enum)
    r2 = fixture_domain.validate(fixture_items["A"], bad_range)
    assert r1.metrics["reason"] == "invalid_enum" and r2.metrics["reason"] == "schema_invalid"
    assert r1.levels == {"parses": True, "known_tools": True, "schema_valid": False, "exact_match": False}


HOSTILE = {  # name -> (output, the reason the scorer must give)
    "huge": ("A" * 5_000_000, "output_too_large"),
    "huge_json": ('{"name": "emu.read", "arguments": {"address": "' + "0" * 30_000 + '"}}', "output_too_large"),
    "deep_list": ("[" * 9_000 + "]" * 9_000, "too_deeply_nested"),
    "deep_object": ('{"a":' * 2_000 + "1" + "}" * 2_000, "too_deeply_nested"),
    "deep_in_block": ("<tool_call>" + '{"name": "x", "arguments": ' + "[" * 3000 + "]" * 3000 + "}</tool_call>",
                      "too_deeply_nested"),
    "open_braces": ("{" * 19_000, "too_deeply_nested"),
    "not_json": ("<tool_call>call emu.read at 7E0010 please</tool_call>", "invalid_json"),
    "empty_block": ("<tool_call></tool_call>", "invalid_json"),
    "args_not_object": ('{"name": "emu.read", "arguments": [1, 2]}', "not_a_call"),
    "args_bad_string": ('{"name": "emu.read", "arguments": "{not json"}', "invalid_json"),
    "number": ("42", "no_tool_call"),
    "binary": ("\x00\xff\ufffd{\"name\": \x00}", "no_tool_call"),
    "wrong_types": ('{"name": "emu.read", "arguments": {"address": true, "length": null}}', "wrong_type"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_output_is_a_scored_failure_not_a_crash(fixture_domain, fixture_items, name):
    text, reason = HOSTILE[name]
    start = time.perf_counter()
    r = fixture_domain.validate(fixture_items["A"], text)
    assert time.perf_counter() - start < 2.0
    assert r.metrics["reason"] == reason, r.detail
    assert r.status == ("wrong_answer" if reason == "wrong_type" else "format_error")
    assert r.metrics["exact_match"] == 0.0 and r.detail


def test_parser_accepts_common_shapes():
    call = {"name": "emu.run", "arguments": {"frames": 1}}
    shapes = [format_calls([call]), "<tool_call>" + json.dumps(call),  # unterminated last block
              "Here you go:\n```json\n" + json.dumps(call) + "\n```\nDone.", json.dumps([call]),
              json.dumps({"tool_calls": [{"type": "function", "function": {
                  "name": "emu.run", "arguments": json.dumps({"frames": 1})}}]}),
              "Calling " + json.dumps(call) + " now."]
    for text in shapes:
        assert parse_calls(text) == [call], text


def test_breakdown_counts_samples_per_family_tool_and_focus(fixture_domain, fixture_items):
    items = [fixture_items["A"], fixture_items["B"]]
    a_ok = fixture_domain.validate(items[0], GOLDEN[0]["completion"])
    a_bad = fixture_domain.validate(items[0], "nothing")
    b_ok = fixture_domain.validate(items[1], fixture_domain.reference(items[1]))
    out = fixture_domain.breakdown(items, [[a_ok, a_bad], b_ok.to_dict()])
    assert out["overall"]["n"] == 3 and out["overall"]["exact_match"] == pytest.approx(2 / 3, abs=1e-6)
    assert out["by_tool"]["emu.read"]["exact_match"] == 0.5 and out["by_tool"]["fs.save"]["n"] == 1
    assert out["by_reason"] == {"ok": 2, "no_tool_call": 1}
    from domains.mcp_tools.scoring import breakdown
    focused = breakdown(items, [a_bad, b_ok], focus_tools=["fs.save"])
    assert focused["focus"]["n"] == 1 and focused["focus"]["exact_match"] == 1.0
