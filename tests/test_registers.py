"""Phrasing registers of the catalogue-built domains (domains/registers.py and each domain's phrasing.py):
the shipped data records a register per item, holds `chatty` out of training, carries an eval-only
`forum` slice across families, and each forum item's check is narrowed to what its request states."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from domains import registers

DATA = Path(__file__).resolve().parent.parent / "data"
DOMAINS = ("unity_csharp", "flutter", "threejs")


def rows(domain: str, side: str) -> list[dict]:
    return [json.loads(x) for x in (DATA / domain / f"{side}.jsonl").read_text().splitlines()]


def test_numbers_in_words_and_mentioned_names():
    assert registers.in_words("every 10 seconds, 2.5 units, 45 degrees") == "every ten seconds, 2.5 units, 45 degrees"
    assert registers.mentioned(["ListView", "List", "onTap"], "a ListView of books, tap to open") == ["ListView"]


def test_pick_never_gives_training_the_held_out_register():
    rng = random.Random(0)
    assert registers.HELD_OUT not in {registers.pick("train", rng, ("spec", "terse")) for _ in range(200)}
    assert registers.HELD_OUT in {registers.pick("eval", rng, ("spec", "terse")) for _ in range(200)}


@pytest.mark.parametrize("domain", DOMAINS)
def test_shipped_registers_hold_one_out_and_add_a_forum_slice(domain):
    train, eval_ = rows(domain, "train"), rows(domain, "eval")
    assert all(r.get("style") for r in train + eval_), "every item records its register"
    trained = Counter(r["style"] for r in train)
    assert len(trained) >= 3 and not set(trained) & set(registers.EVAL_ONLY), trained
    held = [r for r in eval_ if r["style"] == registers.HELD_OUT]
    forum = [r for r in eval_ if r["style"] == registers.FORUM]
    assert len(held) >= 20 and 12 <= len(forum) <= 20
    assert len({r["family"] for r in forum}) >= 2
    assert len({r["instruction"] for r in forum}) == len(forum)
    assert not any("\n- " in r["instruction"] for r in forum), "a forum request has no field list"


def test_a_flutter_forum_spec_names_only_what_its_question_writes():
    for r in (r for r in rows("flutter", "eval") if r["style"] == registers.FORUM):
        names = [n for v in r["spec"].values() for n in v]
        assert names and all(n in r["instruction"] for n in names), r["id"]


def test_a_threejs_forum_scene_leaves_lights_helpers_fog_and_camera_to_the_answer():
    scenes = [r for r in rows("threejs", "eval") if r["style"] == registers.FORUM and r["family"] == "scene"]
    assert scenes and all(set(r["spec"]) == {"objects", "background", "motion"} for r in scenes)


def test_a_unity_forum_item_checks_the_fields_it_names_and_not_the_others():
    import domains

    dom = domains.get("unity_csharp")
    item = next(it for it in dom.load(DATA / "unity_csharp" / "eval.jsonl")
                if it.get("expect") and it["expect"]["fields"] and len(it["ir"]["fields"]) > len(it["expect"]["fields"]))
    assert item["expect"]["class_name"] in item["instruction"]
    assert all(f["name"] in item["instruction"] for f in item["expect"]["fields"])
    assert dom.validate(item, dom.reference(item)).passed
    named = item["expect"]["fields"][0]["name"]
    renamed = dom.reference(item).replace(named, named + "Renamed")
    res = dom.validate(item, renamed)
    assert not res.passed and named in res.detail
    unnamed = next(f["name"] for f in item["ir"]["fields"] if f["name"] not in {x["name"] for x in item["expect"]["fields"]})
    assert dom.validate(item, dom.reference(item).replace(unnamed, unnamed + "Renamed")).passed


def test_threejs_headers_frame_only_the_bare_registers():
    from domains.threejs.prompt import user_message

    assert user_message("fix", "Uncaught TypeError: x", "code").endswith("Browser console:\nUncaught TypeError: x")
    assert "Browser console" not in user_message("fix", "Why do I get `Uncaught TypeError: x` here?", "code")
    assert user_message("edit", "Make the cubes red.", "code").endswith("Change: Make the cubes red.")
    assert "Change:" not in user_message("edit", "Hi there.\nMake the cubes red.\nCheers!", "code")
