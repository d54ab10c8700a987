"""The Flutter seed's data.json shapes (a nested project_structure with escaped text, single-file objects,
plain strings) into items and the SFT, chat and DPO sets; shape errors name the data set and path."""
from __future__ import annotations

import json

import pytest

import domains
from core.errors import DataError

MAIN = ("import 'package:flutter/material.dart';\\nimport 'screens/home.dart';\\n\\nvoid main() => "
        "runApp(const MaterialApp(home: HomeScreen()));\\n")
HOME = ("import 'package:flutter/material.dart';\n\nclass HomeScreen extends StatelessWidget {\n"
        "  const HomeScreen({super.key});\n\n  @override\n  Widget build(BuildContext context) {\n"
        "    return const Scaffold(body: Text(\"Todo\"));\n  }\n}\n")
CARD = ("import 'package:flutter/material.dart';\n\nclass NoteCard extends StatelessWidget {\n"
        "  const NoteCard({super.key});\n\n  @override\n  Widget build(BuildContext context) => const Card();\n}\n")


def seed():
    nested = {"dataset_name": "flutter_todo_app", "metadata": {"framework": "Flutter 3.0+",
                                                                "state_management": "Provider"},
              "instructions": [{"instruction": "Create a Flutter ToDo application", "input": "", "output": {
                  "project_structure": {"lib": {"main.dart": MAIN, "screens": {"home.dart": HOME}},
                                        "pubspec.yaml": "name: todo\n", "assets": {"logo.png": ""}}}}]}
    single = {"dataset_name": "note_card", "metadata": {"widget_type": "StatelessWidget"}, "instructions": [
        {"instruction": "A note card", "input": "", "output": {"code": CARD, "description": "Shows a note",
                                                              "dependencies": ["flutter"], "usage": "NoteCard()"}},
        {"instruction": "A note card", "input": "", "output": {"code": CARD, "description": "again", "features": []}},
        {"instruction": "Broken", "input": "", "output": "```dart\nclass Broken {\n```"},
        {"instruction": "Prose", "input": "", "output": "Just use a Card."}]}
    return [nested, single]


def test_nested_project_and_single_files_become_items_and_exports(tmp_path):
    src = tmp_path / "data.json"
    src.write_text(json.dumps(seed()))
    report = domains.get("flutter").prepare(src, tmp_path / "out")
    c = report["counts"]
    assert (c["datasets"], c["instructions"], c["dart_files"]) == (2, 5, 5)
    assert c["unescaped_files"] == 1 and c["repeated_instruction_files"] == 1 and c["dart_not_parsing"] == 1
    assert c["outputs_without_dart"] == 1
    assert report["non_dart_files"] == {".yaml": 1, ".png": 1, ".txt": 1}
    items = [json.loads(line) for side in ("train", "eval") for line in
             (tmp_path / "out" / f"{side}.jsonl").read_text().splitlines()]
    main = next(it for it in items if it["path"] == "lib/main.dart")
    assert "\n" in main["output"] and "HomeScreen" in main["context_symbols"]
    assert "Project files:" in main["input"] and "pubspec.yaml" in main["input"] and "Provider" in main["input"]
    dom = domains.get("flutter")
    assert dom.validate(main, dom.reference(main)).passed, "the sibling file's class resolves"
    assert {it["dataset"] for it in items} == {"flutter_todo_app", "note_card"}
    for name in ("sft", "chat", "dpo"):
        assert (tmp_path / "out" / f"{name}.jsonl").is_file()
    assert report["exports"]["sft"] == report["exports"]["chat"]


def test_shape_errors_name_the_data_set_and_the_path(tmp_path):
    bad = seed()
    bad[0]["instructions"][0]["output"]["project_structure"]["lib"]["screens"]["home.dart"] = 42
    src = tmp_path / "data.json"
    src.write_text(json.dumps(bad))
    with pytest.raises(DataError, match=r"data.json: data set 'flutter_todo_app' \(#1\), instruction 1: "
                                        r"project_structure/lib/screens/home.dart: expected file text or a folder, got int"):
        domains.get("flutter").prepare(src, tmp_path / "out")
    src.write_text("[{\"dataset_name\": 1,")
    with pytest.raises(DataError, match=r"data.json:1: invalid JSON"):
        domains.get("flutter").prepare(src, tmp_path / "out")
