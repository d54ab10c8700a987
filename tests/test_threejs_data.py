"""The Three.js data side without a browser: the seed's two layouts (pairing by base name, unpaired files
named, file:line errors), the item schema, and the builder's determinism, sizes and split by kind."""
from __future__ import annotations

import json

import pytest

from core.errors import DataError
from domains.threejs import build, catalogue as cat, seeds
from domains.threejs.plan import spec


def test_folder_layout_pairs_by_base_name_and_names_the_unpaired(tmp_path):
    shots, scripts = tmp_path / "screenshots", tmp_path / "extracted_scripts"
    shots.mkdir(), scripts.mkdir()
    (shots / "webgl_cube.md").write_text("A red cube spinning.")
    (scripts / "webgl_cube_module.js").write_text("import * as THREE from 'three';\n")
    (shots / "webgl_lonely.md").write_text("No code for me.")
    (scripts / "webgl_orphan_module.js").write_text("import * as THREE from 'three';\n")
    stats = seeds.prepare(tmp_path, tmp_path / "out")
    assert stats["pairs"] == 1 and stats["train"] + stats["eval"] == 1
    assert stats["unpaired"]["md_without_module"] == [str(shots / "webgl_lonely.md")]
    assert stats["unpaired"]["module_without_md"] == [str(scripts / "webgl_orphan_module.js")]
    rows = [json.loads(x) for f in ("train.jsonl", "eval.jsonl") for x in (tmp_path / "out" / f).read_text().splitlines()]
    assert rows[0]["instruction"] == "A red cube spinning." and rows[0]["kind"] == "seed:webgl_cube"


def test_training_data_json_is_read_with_the_line_of_each_bad_entry(tmp_path):
    good = {"description": "d", "code": "import * as THREE from 'three';", "filename": "a"}
    path = tmp_path / "training_data.json"
    path.write_text(json.dumps([good, good], indent=2))
    assert [it["kind"] for it in seeds.read_json_list(path)] == ["seed:a", "seed:a"]
    path.write_text("[\n" + json.dumps(good) + ",\n" + json.dumps({"description": "d", "filename": "b"}) + "\n]")
    with pytest.raises(DataError, match=r"training_data.json:3: .*'code'"):
        seeds.read_json_list(path)
    path.write_text("[\n" + json.dumps(good) + ",\n{\"description\": \"d\",, }\n]")
    with pytest.raises(DataError, match=r"training_data.json:3: bad JSON"):
        seeds.read_json_list(path)


def test_a_bad_spec_is_a_data_error_with_file_and_line(tmp_path):
    import domains

    row = {"family": "scene", "instruction": "x", "input": "", "output": "y",
           "spec": {"objects": [{"geometry": "BoxGeometry", "count": 1, "color": "red"}]}}
    path = tmp_path / "e.jsonl"
    path.write_text(json.dumps(dict(row, spec={})) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"e.jsonl:2: spec: objects\[0\].color must be '#rrggbb'"):
        domains.get("threejs").load(path)


def test_builder_is_deterministic_sized_and_split_by_kind():
    one = build.side_items(cat.TRAIN_KINDS[:2], "train", build.TRAIN_PER)
    two = build.side_items(cat.TRAIN_KINDS[:2], "train", build.TRAIN_PER)
    assert json.dumps(one[0]) == json.dumps(two[0]) and [b for _, b in one[1]] == [b for _, b in two[1]]
    per_train, per_eval = sum(build.TRAIN_PER.values()), sum(build.EVAL_PER.values())
    assert per_train * len(cat.TRAIN_KINDS) >= 600 and per_eval * len(cat.EVAL_KINDS) >= 80
    assert not {k.name for k in cat.TRAIN_KINDS} & {k.name for k in cat.EVAL_KINDS}


def test_every_kind_draws_distinct_plans_whose_description_states_each_light():
    from domains.threejs.describe import LIGHT_WORDS, describe
    import random

    for kind in cat.TRAIN_KINDS + cat.EVAL_KINDS:
        plans = build.draws(kind, "t", 10)
        assert len({json.dumps(p, sort_keys=True) for p in plans}) == 10
        for p in plans:
            text = describe(p, random.Random(0)).lower()
            for light in p["lights"]:
                assert any(w.split()[-1].split("-")[0] in text for w in LIGHT_WORDS[light]), (light, text)
            assert spec(p)["objects"][0]["count"] == p["groups"][0]["count"]


def test_each_fix_item_is_broken_in_one_known_way():
    import random

    plan = build.draws(cat.TRAIN_KINDS[1], "t", 1)[0]
    code = build.module(plan)
    broken = build.break_code(code, random.Random(3))
    assert broken and broken != code
    diff = [(a, b) for a, b in zip(code.splitlines(), broken.splitlines()) if a != b]
    assert len(diff) <= 1 or len(code.splitlines()) != len(broken.splitlines())


def test_gate_a_checks_chromium_node_and_both_pinned_npm_packages(monkeypatch, tmp_path):
    import sys
    from pathlib import Path

    import domains
    from domains.threejs import toolchain

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "env"))
    from gate_a import check_toolchains

    checks = check_toolchains(domains.get("threejs"))
    assert [c.name for c in checks] == ["tool:chromium", "tool:node", "tool:three (npm, pinned)",
                                        "tool:playwright-core (npm, pinned)", "tool:browser containment"]
    assert [c.critical for c in checks] == [True, True, True, True, False]
    monkeypatch.setattr(toolchain, "THREE", tmp_path / "nowhere")
    ok, why = toolchain.three_ok()
    assert not ok and "npm ci" in why and toolchain.pinned("three") in why


def test_shipped_data_is_the_builders_output_complete_and_split():
    """data/threejs as committed: the sizes the issue asks for, split by kind, licensed, and every item the
    builder's own (seeded) draw; `fix` items carry the error Chromium printed at build time, so their
    instruction is checked for its shape here and for its text by `make check-refs` in the browser."""
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "data" / "threejs"
    rows = {side: [json.loads(x) for x in (data / f"{side}.jsonl").read_text().splitlines()]
            for side in ("train", "eval")}
    assert len(rows["train"]) >= 600 and len(rows["eval"]) >= 80
    build.check_split(rows["train"], rows["eval"])
    for side, kinds, per in (("train", cat.TRAIN_KINDS, build.TRAIN_PER), ("eval", cat.EVAL_KINDS, build.EVAL_PER)):
        items, fixes = build.side_items(kinds, side, per)
        want = build.styled(items + [dict(it, instruction="Uncaught X") for it, _ in fixes], side)
        shipped = rows[side]
        assert shipped[:len(items)] == want[:len(items)], f"{side}: scene/edit items differ from the builder's draw"
        got_fix = shipped[len(items):]
        assert [dict(r, instruction="") for r in got_fix] == [dict(it, instruction="") for it in want[len(items):]]
        assert all("Uncaught " in r["instruction"] for r in got_fix)
        assert {r["license"] for r in shipped} == {build.LICENSE}
