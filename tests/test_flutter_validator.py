"""The Flutter validator on fixtures: the gold file passes every level, each broken variant fails at the
level and with the status and message it should (tests/fixtures/flutter/)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from domains.base import ToolMissing
from domains.flutter import dart, symbols, validate as v

FIX = Path(__file__).parent / "fixtures" / "flutter"
GOLD = (FIX / "gold.dart").read_text()
SPEC = {"classes": ["CounterPage", "CounterModel"], "widgets": ["FutureBuilder", "ListView", "FloatingActionButton"],
        "fields": ["title", "onSaved"], "callbacks": ["onPressed", "increment"], "routes": ["/details"]}
MUTATIONS = json.loads((FIX / "mutations.json").read_text())


def fenced(code: str) -> str:
    return f"Here you go:\n```dart\n{code}```\n"


def test_gold_passes_every_level():
    res = v.validate(SPEC, fenced(GOLD))
    assert res.status == "ok" and res.level == "meets_spec" and all(res.levels.values())
    assert res.metrics["spec_met"] == 1.0


@pytest.mark.parametrize("m", MUTATIONS, ids=[m["name"] for m in MUTATIONS])
def test_broken_variants_fail_where_they_should(m):
    if "completion" in m:
        completion = m["completion"]
    else:
        assert m["find"] in GOLD, f"fixture {m['name']}: {m['find']!r} not in gold.dart"
        code = GOLD.replace(m["find"], m["replace"])
        if m.get("drop_import"):
            code = code.replace(m["drop_import"], "")
        completion = fenced(code)
    res = v.validate(SPEC, completion)
    assert (res.status, res.level) == (m["status"], m["level"]), res.detail
    assert m.get("detail", "") in res.detail


def test_extract_takes_the_dart_block_or_the_bare_file():
    assert v.extract("x\n```dart\nclass A {}\n```\n```dart\nclass B {}\n```") == "class A {}\n"
    assert v.extract("Here:\nimport 'package:flutter/material.dart';\nclass A {}").startswith("import")
    assert v.extract("```python\nprint(1)\n```") is None


def test_member_names_are_not_references_and_type_parameters_are_declared():
    f = dart.facts(dart.parse("class Box<T> { T? value; Color c = Colors.blue; }\n"))
    assert "blue" not in f.references and "T" in f.declared and "Colors" in f.references
    assert f.fields == {"value", "c"}


def test_context_symbols_resolve_names_from_other_project_files():
    code = "import 'package:flutter/material.dart';\nimport '../models/todo.dart';\nTodo make() => Todo();\n"
    assert v.validate({}, code).status == "compile_error"
    assert v.validate({}, code, context_symbols=["Todo"]).status == "ok"


def test_symbol_table_layers():
    assert "Scaffold" in symbols.in_scope(["package:flutter/material.dart"])
    assert "Scaffold" not in symbols.in_scope(["package:flutter/widgets.dart"])
    assert "Column" in symbols.in_scope(["package:flutter/cupertino.dart"])
    assert symbols.library_of("CupertinoButton") == "package:flutter/cupertino.dart"


def test_missing_grammar_is_loud(monkeypatch):
    import sys

    dart._parser.cache_clear()
    monkeypatch.setitem(sys.modules, "tree_sitter_dart", None)  # import now raises ImportError
    try:
        with pytest.raises(ToolMissing, match="tree-sitter Dart grammar"):
            v.validate(SPEC, fenced(GOLD))
        assert dart.available()[0] is False
    finally:
        monkeypatch.undo()
        dart._parser.cache_clear()


def test_syntax_error_names_the_range_tree_sitter_could_not_place():
    # an unclosed `Text('b'` : the ERROR node runs from `(children:` to the `]` where the parser recovered
    src = ("class A extends StatelessWidget {\n  Widget build(BuildContext context) {\n"
           "    return Column(children: [\n      Text('a'),\n      Text('b'\n    ]);\n  }\n}\n")
    errs = dart.syntax_errors(dart.parse(src))
    assert errs and errs[0].startswith("lines 3-6: unexpected"), errs
    one = dart.syntax_errors(dart.parse("class A {\n  void f() {\n    var x = 1\n    print(x);\n  }\n}\n"))
    assert one == ["line 3: unexpected '1'"], one
