"""Data audit: planted exact and near duplicates are caught, contamination stops the gate unless
overridden, gold ceiling, schema errors with file:line."""
from __future__ import annotations

import json

import pytest

from core.errors import DataError
from eval.audit import ContaminatedError, run_audit, shingles
from tests.eval_helpers import FIX, register_toy

LONG = ("Write a function that takes a list of player names and returns a table mapping each name to the "
        "number of times it appears in the list, ignoring case and surrounding whitespace")


@pytest.fixture()
def toy(monkeypatch):
    return register_toy(monkeypatch)


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _item(i, prompt, answer="x", fam="animals"):
    return {"id": i, "family": fam, "prompt": prompt, "answer": answer}


def test_clean_set_passes_with_full_gold_ceiling(toy, tmp_path):
    rep = run_audit(toy, FIX / "toy_eval.jsonl", FIX / "toy_train.jsonl", tmp_path / "audit.json")
    assert rep["verdict"] == "clean" and rep["gold_ceiling"]["pass_rate"] == 1.0
    assert json.loads((tmp_path / "audit.json").read_text())["contaminated"] is False


def test_planted_exact_and_near_duplicates_stop_the_gate(toy, tmp_path):
    train = _write(tmp_path / "train.jsonl", [_item("t1", LONG), _item("t2", "Name a red fruit."),
                                              _item("t3", "Something else entirely, unrelated.")])
    near = LONG.replace("player names", "player  Names").replace("whitespace", "spaces")
    ev = _write(tmp_path / "eval.jsonl", [_item("e1", "name a RED   fruit."), _item("e2", near),
                                          _item("e3", "What colour is snow?", "white", "colors")])
    with pytest.raises(ContaminatedError, match="2 eval item"):
        run_audit(toy, ev, train, tmp_path / "audit.json")
    rep = json.loads((tmp_path / "audit.json").read_text())
    assert [e["eval_id"] for e in rep["overlap"]["train_eval_exact"]] == ["e1"]
    assert rep["overlap"]["train_eval_exact"][0]["train_ids"] == ["t2"]
    near_hit = rep["overlap"]["train_eval_near"][0]
    assert near_hit["eval_id"] == "e2" and near_hit["matches"][0]["train_id"] == "t1"
    assert 0.8 <= near_hit["matches"][0]["jaccard"] < 1
    ok = run_audit(toy, ev, train, tmp_path / "audit2.json", allow_contaminated=True)
    assert ok["verdict"] == "contaminated" and ok["allow_contaminated"] is True


def test_near_threshold_is_respected(toy, tmp_path):
    a, b = shingles(LONG.lower()), shingles(LONG.lower().replace("ignoring case", "keeping case"))
    jac = len(a & b) / len(a | b)
    train = _write(tmp_path / "t.jsonl", [_item("t1", LONG)])
    ev = _write(tmp_path / "e.jsonl", [_item("e1", LONG.replace("ignoring case", "keeping case"))])
    assert run_audit(toy, ev, train, tmp_path / "a.json", threshold=jac + 0.01)["verdict"] == "clean"
    with pytest.raises(ContaminatedError):
        run_audit(toy, ev, train, tmp_path / "a.json", threshold=jac - 0.01)


def test_duplicates_inside_eval_and_broken_gold_are_reported(toy, tmp_path):
    ev = _write(tmp_path / "e.jsonl", [_item("e1", "Name a dog breed.", "poodle"), _item("e2", "name a dog breed. "),
                                       _item("e3", "Say hi.", "  ")])
    rep = run_audit(toy, ev, None, tmp_path / "a.json")
    assert rep["overlap"] is None and "not checked" in rep["warnings"][0]
    assert rep["duplicates"]["eval"] == [{"ids": ["e1", "e2"], "lines": [None, None]}]
    rep = run_audit(toy, ev, FIX / "toy_train.jsonl", tmp_path / "a.json")
    assert rep["duplicates"]["eval_count"] == 1 and rep["duplicates"]["train_count"] == 0
    assert rep["gold_ceiling"]["pass_rate"] == pytest.approx(2 / 3)
    assert rep["gold_ceiling"]["failures"][0]["id"] == "e3"


def test_malformed_line_fails_with_file_and_line_and_writes_nothing(toy, tmp_path, capsys):
    import scripts.audit as script

    ev = tmp_path / "eval.jsonl"
    ev.write_text(json.dumps(_item("e1", "a")) + "\n" + json.dumps({"id": "e2", "prompt": "b"}) + "\n")
    with pytest.raises(DataError, match=r"eval\.jsonl:2: missing key"):
        run_audit(toy, ev, None, tmp_path / "audit.json")
    assert script.main(["--domain", "toy", "--eval-data", str(ev), "--train-data", "none", "--out",
                        str(tmp_path / "audit.json")]) == 2
    assert "eval.jsonl:2" in capsys.readouterr().err
    assert not (tmp_path / "audit.json").exists()
