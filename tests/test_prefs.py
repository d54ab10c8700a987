"""Validator-made preference pairs on golden samples: a fake sampler hands out fixed completions, the real
Luanti and Flutter validators score them, and the pairs prefer the failure that got furthest."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import domains
from eval.prefs import build_prefs
from eval.settings import GenSettings

FIX = Path(__file__).parent / "fixtures"


class FixedSampler:
    """A backend whose samples are given per prompt position: the same list for every prompt."""

    def __init__(self, tokenizer, make):
        self.tokenizer, self.make, self.calls = tokenizer, make, 0

    def count_tokens(self, text):
        return len(text)

    def generate(self, prompts, seeds):
        self.calls += 1
        return [[{"completion": c, "n_tokens": 1, "finish": "stop"} for c in self.make(p)] for p in prompts]


def _run(tmp_path, domain, items, tokenizer, make, n, evals=()):
    sampler = FixedSampler(tokenizer, make)
    settings = GenSettings(n=n, temperature=0.8)
    rec = build_prefs(domain, items, settings, {"model": "fake"}, tmp_path / "prefs", lambda: sampler,
                      per_item=2, eval_items=list(evals), workers=1, progress=False)
    pairs = [json.loads(line) for line in (tmp_path / "prefs" / "pairs.jsonl").read_text().splitlines()]
    return rec, pairs, sampler


def test_flutter_pairs_prefer_the_failure_that_got_furthest(tmp_path, tokenizer):
    dom = domains.get("flutter")
    items = dom.load("data/flutter/eval.jsonl")[:3]
    gold = {dom.messages(it)[-1]["content"]: it for it in items}

    def make(prompt):
        it = next(v for k, v in gold.items() if k in prompt)
        code = it["output"]
        return ["```dart\n" + code.replace("(", "((", 1) + "```",        # syntax error
                "```dart\n" + code.replace(it["spec"]["classes"][0], "Renamed") + "```",  # parses, misses spec
                "no code at all"]                                          # format error
    rec, pairs, _ = _run(tmp_path, dom, items, tokenizer, make, n=3)
    assert rec["pairs"] == 6 and rec["chosen_from"] == {"sample": 0, "reference": 6}
    first = [p for p in pairs if p["id"].endswith("#0")]
    assert all(p["rejected_result"]["status"] in ("wrong_answer", "compile_error") for p in first)
    assert all(p["chosen"] == dom.reference(items[0]) for p in pairs if p["item_id"] == items[0]["id"])
    assert all(p["chosen_result"]["status"] == "ok" and p["prompt"][-1]["role"] == "user" for p in pairs)
    assert rec["items_by_outcome"] == {"paired": 3}


def test_luanti_pairs_passing_sample_over_failures_and_resume(tmp_path, tokenizer):
    dom = domains.get("luanti")
    items = dom.load(FIX / "luanti" / "gold.jsonl")[:2]
    refs = {dom.messages(it)[-1]["content"]: dom.reference(it) for it in items}

    def broken(ref):
        """Code with a syntax error; for a diff, an added line with one (a context line changed instead
        would still apply: the patcher tolerates context drift, as GNU patch's fuzz does)."""
        lines = ref.split("\n")
        for i, line in enumerate(lines):
            if line.startswith("+") and not line.startswith("+++"):
                lines[i] = line + " (("
                return "\n".join(lines)
        return ref.replace("(", "", 1)

    def make(prompt):
        ref = next(v for k, v in refs.items() if k in prompt)
        return [ref, broken(ref), "I cannot help with that."]
    rec, pairs, sampler = _run(tmp_path, dom, items, tokenizer, make, n=3)
    assert rec["chosen_from"]["sample"] == rec["pairs"] == 4
    assert all(p["chosen_result"]["status"] == "ok" and p["rejected_result"]["status"] != "ok" for p in pairs)
    assert [p["rejected_depth"] for p in pairs[:2]] == sorted([p["rejected_depth"] for p in pairs[:2]], reverse=True)
    rec2, pairs2, sampler2 = _run(tmp_path, dom, items, tokenizer, make, n=3)
    assert sampler2.calls == 0 and pairs2 == pairs, "a finished run resumes without sampling again"


def test_overlap_with_the_eval_set_stops(tmp_path, tokenizer):
    from eval.audit import ContaminatedError

    dom = domains.get("flutter")
    items = dom.load("data/flutter/eval.jsonl")[:2]
    with pytest.raises(ContaminatedError, match="overlap"):
        _run(tmp_path, dom, items, tokenizer, lambda p: ["x"], n=1, evals=items)
