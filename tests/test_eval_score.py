"""Scoring on golden generation files: exact expected numbers, resumability, ToolMissing."""
from __future__ import annotations

import json

import pytest

from core.errors import DataError, UserError
from eval import passk
from eval.score import ToolMissingError, aggregate, run_scoring
from tests.eval_helpers import FIX, register_toy


@pytest.fixture()
def toy(monkeypatch):
    return register_toy(monkeypatch)


def _score(domain, tmp_path, workers=1, gens=FIX / "toy_generations.jsonl"):
    items = {it["id"]: it for it in domain.load(FIX / "toy_eval.jsonl")}
    return run_scoring(domain, items, gens, tmp_path / "scores.jsonl", 5, workers=workers, progress=False)


@pytest.mark.parametrize("workers", [1, 2])
def test_golden_generations_give_exact_scores(toy, tmp_path, workers):
    want = json.loads((FIX / "toy_expected.json").read_text())
    agg = aggregate(toy, _score(toy, tmp_path, workers))
    assert agg["items"] == want["items"]
    assert agg["status"] == want["status"]
    assert agg["levels"] == want["levels"]
    t = passk.table(agg["items"], [1, 2, 5], n_boot=200)
    for k, v in want["overall"].items():
        assert t["overall"][k]["value"] == pytest.approx(v, abs=1e-12)
    for fam, ks in want["families"].items():
        for k, v in ks.items():
            assert t["families"][fam][k]["value"] == pytest.approx(v, abs=1e-12)


def test_scoring_resumes_without_rescoring(toy, tmp_path, monkeypatch):
    first = _score(toy, tmp_path)
    lines = (tmp_path / "scores.jsonl").read_text().splitlines()
    (tmp_path / "scores.jsonl").write_text("\n".join(lines[:7]) + "\n" + lines[7][:20])  # torn write
    calls = []
    orig = type(toy).validate
    monkeypatch.setattr(type(toy), "validate", lambda self, it, c: calls.append(1) or orig(self, it, c))
    again = _score(toy, tmp_path)
    assert len(calls) == 13
    key = lambda r: (r["id"], r["sample"])  # noqa: E731
    assert sorted(again, key=key) == sorted(first, key=key)


def test_scores_of_other_completions_are_refused(toy, tmp_path):
    _score(toy, tmp_path)
    gens = tmp_path / "g.jsonl"
    text = (FIX / "toy_generations.jsonl").read_text().replace('"cow"', '"horse"')
    gens.write_text(text)
    with pytest.raises(UserError, match="other completions"):
        _score(toy, tmp_path, gens=gens)


@pytest.mark.parametrize("workers", [1, 2])
def test_tool_missing_stops_scoring_loudly(monkeypatch, tmp_path, workers):
    import domains

    register_toy(monkeypatch)
    notool = domains.get("toy_notool")
    with pytest.raises(ToolMissingError, match="toycc not found"):
        _score(notool, tmp_path, workers)
    path = tmp_path / "scores.jsonl"
    assert not path.exists() or not path.read_text().strip()


def test_incomplete_generations_are_refused(toy, tmp_path):
    gens = tmp_path / "g.jsonl"
    gens.write_text("".join((FIX / "toy_generations.jsonl").read_text().splitlines(True)[:-1]))
    with pytest.raises(UserError, match="incomplete"):
        _score(toy, tmp_path, gens=gens)


def test_malformed_generation_line_names_file_and_line(toy, tmp_path):
    gens = tmp_path / "g.jsonl"
    lines = (FIX / "toy_generations.jsonl").read_text().splitlines(True)
    gens.write_text("".join(lines[:3]) + "{not json\n" + "".join(lines[3:]))
    with pytest.raises(DataError, match=r"g\.jsonl:4: invalid JSON"):
        _score(toy, tmp_path, gens=gens)
