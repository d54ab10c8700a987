"""cs_repair answers as a unified diff (applied with the shared domains/patch.py) or as the whole script,
and the free-answer check `make chat` prints (validate_open): gold passes, broken answers fail at the
level they should, and the family of a free prompt is read from its message."""
from __future__ import annotations

import difflib
import json

import pytest

import domains
from eval.score import aggregate
from serve.chat import verdict_line
from unity_helpers import cs_item, fenced, fixture_code, gold_ir, needs_mcs

BROKEN = fixture_code("compile_error.cs")      # transform.Rotat(...): a real mcs error
GOLD = fixture_code("gold.cs")


def udiff(a: str, b: str, name: str = "Script.cs") -> str:
    return "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), f"a/{name}", f"b/{name}"))


def repair_item() -> dict:
    return dict(cs_item("cs_repair"), input=BROKEN, output=GOLD)


@pytest.fixture(scope="module")
def dom():
    return domains.get("unity_csharp")


@needs_mcs
def test_a_diff_answer_is_applied_then_compiled_and_checked(dom):
    res = dom.validate(repair_item(), "The fix:\n```diff\n" + udiff(BROKEN, GOLD) + "```\n")
    assert res.passed, res.detail
    assert list(res.levels) == ["extracts", "applies", "parses", "compiles", "meets_ir"]
    assert res.metrics["diff"] == 1
    whole = dom.validate(repair_item(), fenced(GOLD))
    assert whole.passed and whole.metrics["diff"] == 0 and whole.levels["applies"]


@needs_mcs
def test_a_diff_that_keeps_the_error_fails_at_compile(dom):
    no_fix = udiff(BROKEN, BROKEN.replace("public int scoreValue = 10;", "public int scoreValue = 10; // value"))
    res = dom.validate(repair_item(), f"```diff\n{no_fix}```")
    assert (res.status, res.level) == ("compile_error", "parses") and res.levels["applies"]


@pytest.mark.parametrize("diff, status, words", [
    ("--- a/Script.cs\n+++ b/Script.cs\n@@ -1,1 +1,1 @@\n-using UnityEngineX;\n+using UnityEngine;\n",
     "wrong_answer", "does not apply"),
    ("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "format_error", "absolute path"),
    ("--- a/Script.cs\n+++ b/Script.cs\n--- a/Other.cs\n+++ b/Other.cs\n@@ -1 +1 @@\n-a\n+b\n",
     "format_error", "several files"),
])
def test_a_diff_that_does_not_apply_is_scored_before_any_compiler(dom, diff, status, words, monkeypatch):
    from domains.unity_csharp import compiler

    monkeypatch.setattr(compiler, "compile_cs", lambda *a, **k: pytest.fail("the compiler must not run"))
    res = dom.validate(repair_item(), f"```diff\n{diff}```")
    assert res.status == status and words in res.detail and not res.levels["applies"]
    assert res.level == "extracts"


def test_an_answer_with_neither_diff_nor_code_is_a_format_error(dom):
    res = dom.validate(repair_item(), "I would rename the method.")
    assert res.status == "format_error" and res.level == ""


@needs_mcs
@pytest.mark.parametrize("user, answer, want", [
    ("BEHAVIOR SPECIFICATION:\n" + json.dumps(gold_ir()) + "\n\nWrite it.", fenced(GOLD),
     ("✓ compiles; ✓ ", "stated facts met  (ir_to_cs: against the IR in the prompt)")),
    ("BEHAVIOR SPECIFICATION:\n" + json.dumps(gold_ir()) + "\n\nWrite it.", fenced(fixture_code("wrong_type.cs")),
     ("✓ compiles; ", "✗ wrong_answer field 'rotationSpeed' has type int")),
    ("a coin that spins", fenced(GOLD.replace("RotatingCoin", "Spinner")),
     ("✓ compiles; no stated fact could be read", "meets_ir not checked  (ir_to_cs: no IR in the prompt)")),
    ("a coin that spins", fenced("using UnityEngine;\npublic class Spinner { }"),
     ("✓ compiles; no stated fact", "✗ wrong_answer class Spinner does not derive from MonoBehaviour")),
    ("Description: a coin", f"```json\n{json.dumps(gold_ir())}\n```", ("✓ schema; no stated fact", "meets_facts not checked")),
    ("Description: a coin", '{"class_name": "coin"}', ("✗ wrong_answer not a valid IR", "(reached parses)")),
    ("Fix it:\n```csharp\n" + BROKEN + "```", f"```diff\n{udiff(BROKEN, GOLD)}```",
     ("✓ compiles; ✓ ", "stated facts met  (cs_repair: repair of the script in the prompt")),
    ("Fix it:\n```csharp\n" + BROKEN + "```", fenced(BROKEN), ("✗ wrong_answer the answer leaves the input unchanged", "stated facts not checked")),
])
def test_free_answers_get_the_verdict_of_their_family(dom, user, answer, want):
    """The deepest level passed first, then the facts the prompt states (domains/verdict.py)."""
    line = verdict_line(dom.validate_open([{"role": "user", "content": user}], answer))
    assert line.startswith(want[0]) and want[1] in line, line


def test_chat_gets_the_system_prompt_of_the_family_asked_for(dom):
    from domains.unity_csharp import prompt

    for user, family in (("Description: a door", "nl_to_ir"), ("a door that opens", "ir_to_cs"),
                         ("```csharp\nclass A {}\n```", "cs_repair")):
        msgs = dom.chat_messages([{"role": "user", "content": user}])
        assert msgs[0] == {"role": "system", "content": prompt.system_prompt(family)}
    own = [{"role": "system", "content": "mine"}, {"role": "user", "content": "x"}]
    assert dom.chat_messages(own) == own


def test_family_tables_report_each_familys_own_levels(dom):
    recs = [{"id": "r", "sample": 0, "family": "cs_repair", "status": "wrong_answer",
             "levels": {"extracts": True, "applies": False}},
            {"id": "i", "sample": 0, "family": "nl_to_ir", "status": "ok",
             "levels": {"extracts": True, "parses": True, "schema": True, "meets_facts": True}}]
    fams = aggregate(dom, recs)["families"]
    assert fams["cs_repair"]["levels"] == {"extracts": 1.0, "applies": 0.0, "parses": 0.0, "compiles": 0.0,
                                           "meets_ir": 0.0}
    assert fams["nl_to_ir"]["levels"] == {"extracts": 1.0, "parses": 1.0, "schema": 1.0, "meets_facts": 1.0}
