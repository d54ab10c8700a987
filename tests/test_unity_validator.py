"""The Unity validator's levels on gold and anti-gold fixtures (tests/fixtures/unity_csharp/): each
broken script fails at the level and with the status and named miss it should, hostile code is
contained, and a missing compiler or grammar is ToolMissing, never a pass."""
from __future__ import annotations

import pytest

import domains
from domains.base import ToolMissing
from domains.unity_csharp import compiler, syntax, validate as v
from unity_helpers import cs_item, fenced, fixture_code, needs_mcs

# fixture -> (status, deepest level passed, words the detail must contain)
CASES = {
    "gold.cs": ("ok", "meets_ir", ""),
    "wrong_type.cs": ("wrong_answer", "compiles", "'rotationSpeed' has type int, the IR says float"),
    "missing_field.cs": ("wrong_answer", "compiles", "field 'scoreValue' is not declared"),
    "wrong_default.cs": ("wrong_answer", "compiles", "the IR default is 90"),
    "wrong_lifecycle.cs": ("wrong_answer", "compiles", "none of Update, LateUpdate is declared"),
    "compile_error.cs": ("compile_error", "parses", "did you mean Rotate?"),
    "not_in_stubs.cs": ("compile_error", "parses", "spatialBlend"),
    "newer_syntax.cs": ("unsupported_syntax", "parses", "??="),
    "syntax_error.cs": ("syntax_error", "extracts", "missing )"),
    "system_io.cs": ("wrong_answer", "parses", "System.IO"),
}


@pytest.fixture(scope="module")
def dom():
    return domains.get("unity_csharp")


@pytest.fixture(scope="module")
def results(dom):
    """Each fixture validated once (a compile costs ~0.3 s, several under load)."""
    return {name: dom.validate(cs_item(), fenced(fixture_code(name))) for name in CASES}


@needs_mcs
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_fixture_fails_where_it_should(results, name):
    status, level, words = CASES[name]
    res = results[name]
    assert (res.status, res.level) == (status, level), res.detail
    assert words in res.detail
    assert res.passed == (name == "gold.cs")


@needs_mcs
def test_not_in_the_stubs_is_told_apart_from_a_typo(results):
    gap, typo = results["not_in_stubs.cs"], results["compile_error.cs"]
    assert "[not in the stubs?]" in gap.detail and gap.metrics["not_in_stubs"] == 1
    assert "not in the stubs" not in typo.detail and typo.metrics["not_in_stubs"] == 0


def test_missing_components_and_triggers_are_each_named():
    ir = cs_item()["ir"]
    ir["components"].append("Rigidbody")
    ir["behaviors"].append({"name": "tick", "trigger": "every 2 seconds", "actions": ["spawn"]})
    tree = syntax.parse(fixture_code("gold.cs"))
    from domains.unity_csharp.meets import meets_ir

    misses, _ = meets_ir(tree, ir)
    assert len(misses) == 2
    assert "component Rigidbody" in misses[0] + misses[1] and "no coroutine" in misses[0] + misses[1]


def test_a_class_with_another_name_or_base_fails():
    from domains.unity_csharp.meets import meets_ir

    code = fixture_code("gold.cs")
    misses, _ = meets_ir(syntax.parse(code.replace("class RotatingCoin", "class Coin")), cs_item()["ir"])
    assert misses and "no class 'RotatingCoin'" in misses[0]
    misses, _ = meets_ir(syntax.parse(code.replace(": MonoBehaviour", ": Object")), cs_item()["ir"])
    assert "does not derive from MonoBehaviour" in misses[0]


def test_extraction_without_a_fence_and_with_none(dom):
    res = dom.validate(cs_item(), "no code at all, sorry")
    assert (res.status, res.level) == ("format_error", "")


@pytest.mark.parametrize("code, why", [
    ("#define A\n" + "#if A\n" * 300 + "class X {}\n" + "#endif\n" * 300, "preprocessor lines"),
    ("class X { string s = \"" + "x" * 1_000_000 + "\"; }", "over 100,000 bytes"),
])
def test_hostile_code_is_refused_before_any_tool_runs(dom, code, why, monkeypatch):
    monkeypatch.setattr(compiler, "compile_cs", lambda *a, **k: pytest.fail("the compiler must not run"))
    res = dom.validate(cs_item(), fenced(code))
    assert res.status == "resource_limit" and why in res.detail


@needs_mcs
def test_a_compiler_over_its_time_limit_is_killed_and_a_timeout(monkeypatch):
    monkeypatch.setattr(compiler, "TIMEOUT_S", 0.001)
    res = compiler.compile_cs("class X {}", timeout=0.001)
    assert res["status"] == "timeout"


@needs_mcs
def test_batch_compile_agrees_with_single_runs():
    gold = fixture_code("gold.cs")
    assert [r["status"] for r in compiler.compile_batch([gold, gold.replace("RotatingCoin", "Coin2")])] == ["ok"] * 2
    assert compiler.compile_batch([gold, fixture_code("compile_error.cs").replace("RotatingCoin", "C3")]) is None


def test_missing_compiler_is_tool_missing_never_a_pass(monkeypatch):
    d = type(domains.get("unity_csharp"))()   # a fresh instance: tools not yet checked
    monkeypatch.setattr(compiler, "mcs_path", lambda: None)
    with pytest.raises(ToolMissing, match="mcs"):
        d.validate(cs_item(), fenced(fixture_code("gold.cs")))


def test_missing_grammar_is_tool_missing(monkeypatch):
    d = type(domains.get("unity_csharp"))()
    monkeypatch.setattr(syntax, "available", lambda: (False, "tree-sitter C# grammar not importable"))
    monkeypatch.setattr(compiler, "available", lambda: (True, "mcs"))
    with pytest.raises(ToolMissing, match="grammar"):
        d.validate(cs_item(), fenced("class X {}"))


def test_nl_to_ir_is_checked_against_schema_and_stated_facts(dom):
    import json

    item = cs_item("nl_to_ir")
    good = json.dumps(item["ir"])
    assert dom.validate(item, f"```json\n{good}\n```").passed
    bad = dict(item["ir"], class_name="Coin", components=[])
    res = dom.validate(item, json.dumps(bad))
    assert res.status == "wrong_answer" and "class_name is 'Coin'" in res.detail and "AudioSource" in res.detail
    res = dom.validate(item, json.dumps({"class_name": "rotating coin"}))
    assert (res.status, res.level) == ("wrong_answer", "parses") and "not a valid IR" in res.detail
    assert dom.validate(item, "{not json").status == "syntax_error"


def test_newer_features_are_found_on_the_tree():
    code = "class A { void F() { object o = null; o ??= 1; var x = o switch { _ => 2 }; var p = new(); } }"
    feats = [f for _, f in syntax.newer_features(syntax.parse(code))]
    assert any("??=" in f for f in feats) and any("switch" in f for f in feats) and any("new()" in f for f in feats)
    assert v.forbidden_uses(syntax.parse("using System.Net.Sockets; class A {}")) == ["System.Net"]
