"""Flutter, trust round 3: a project whose files import pub packages the symbol table does not know
(supabase_flutter, hive, equatable, flutter_bloc) passes when its own code is right; their names are
unverified (a metric), not errors. The item's declared dependencies are read: an import they do not list
fails; a known package that lacks a name, or a Flutter name used without its import, still fails."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import domains
from domains.flutter import validate as v

SEED = Path(__file__).parent / "fixtures" / "flutter" / "seed_project.json"


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    out = tmp_path_factory.mktemp("flutter-seed")
    dom = domains.get("flutter")
    dom.prepare(SEED, out)
    got = {}
    for side in ("train", "eval"):
        path = out / f"{side}.jsonl"
        if path.read_text().strip():
            got.update({it["path"]: it for it in dom.load(path)})
    return got


def test_the_project_files_pass_with_unknown_packages_unverified(items):
    dom = domains.get("flutter")
    assert set(items) == {"lib/main.dart", "lib/models/note.dart", "lib/cubit/notes_cubit.dart"}
    main = items["lib/main.dart"]
    assert main["dependencies"] == ["equatable", "flutter", "flutter_bloc", "flutter_test", "hive", "hive_flutter",
                                    "notes_app", "supabase_flutter"]          # the pubspec's, and its own name
    unverified = {}
    for path, item in items.items():
        res = dom.validate(item, dom.reference(item))
        assert res.passed, (path, res)
        unverified[path] = res.metrics["unverified_symbols"]
    # main: Hive, Supabase, BlocProvider, BlocBuilder; note: Equatable, Box, Hive; cubit: Cubit
    assert unverified == {"lib/main.dart": 4, "lib/models/note.dart": 3, "lib/cubit/notes_cubit.dart": 1}


def test_an_import_the_dependencies_do_not_declare_fails(items):
    dom = domains.get("flutter")
    item = items["lib/models/note.dart"]
    res = dom.validate(item, dom.reference({**item, "output": "import 'package:dio/dio.dart';\n" + item["output"]}))
    assert res.status == "compile_error" and "imports package:dio, which the item's dependencies" in res.detail


CODE = """import 'package:flutter/material.dart';
{imports}
class Tile extends StatelessWidget {{
  const Tile({{super.key}});

  @override
  Widget build(BuildContext context) => {body};
}}
"""


@pytest.mark.parametrize("imports, body, status, words", [
    ("import 'package:equatable/equatable.dart';", "Text(Equatable.toString())", "ok", ""),
    # provider is known: a name it does not have is still an error
    ("import 'package:provider/provider.dart';", "Consumer9<int>()", "compile_error", "Consumer9 is not declared"),
    ("", "Equatable()", "compile_error", "Equatable is not declared"),
    # a Flutter name still needs its own import, whatever else is imported
    ("import 'package:hive/hive.dart';", "CupertinoButton(child: Text('x'), onPressed: null)", "compile_error",
     "CupertinoButton is used without importing package:flutter/cupertino.dart"),
])
def test_unknown_packages_do_not_excuse_what_the_table_knows(imports, body, status, words):
    res = v.validate({}, "```dart\n" + CODE.format(imports=imports, body=body) + "```")
    assert res.status == status and words in res.detail, res
    if status == "ok":
        assert res.metrics["unverified_symbols"] == 1 and res.metrics["unknown_packages"] == 1
