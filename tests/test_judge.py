"""The optional vision judge (eval/judge.py, scripts/judge.py) against a live OpenAI-compatible endpoint
on 127.0.0.1 that checks it receives the picture: scores recorded per sample, a sample without a picture
counted apart, an answer without a number kept as unreadable, a rerun asking nothing again."""
from __future__ import annotations

import json

import pytest
from fastapi import FastAPI

import domains
from domains.base import Domain, Result
from eval import plots
from eval.judge import parse_score
from tests.serve_helpers import LiveServer


@pytest.mark.parametrize("text, want", [("0.8", 0.8), ("Score: 1", 1.0), ("I'd say .25 overall", 0.25),
                                        ("0", 0.0), ("7 out of 10", None), ("none", None), ("1.5", None)])
def test_parse_score(text, want):
    assert parse_score(text) == want


def test_judge_rates_every_pictured_sample_and_resumes(tmp_path, monkeypatch):
    import scripts.judge as judge

    png = tmp_path / "shot.png"
    plots.heatmap([[0.5]], ["r"], [1.0], "shot", png)

    class Pictures(Domain):
        name = "pics"

        def load(self, path):
            return [{"id": f"i{k}", "family": "scene" if k else "edit", "instruction": f"draw {k}"} for k in range(2)]

        def messages(self, item):
            return [{"role": "user", "content": item["instruction"]}]

        def validate(self, item, completion):
            return Result("ok", "")

        def picture(self, item, completion):
            return png if completion != "broken" else None

    monkeypatch.setattr(domains, "get", lambda name: Pictures())
    gens = tmp_path / "generations.jsonl"
    gens.write_text("".join(json.dumps({"id": i, "sample": s, "completion": c}) + "\n" for i, s, c in
                            [("i0", 0, "a"), ("i0", 1, "broken"), ("i1", 0, "b"), ("i1", 1, "c")]))
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"domain": {"name": "pics"}, "data": {"path": "x"}, "files": {"generations": str(gens)},
                                   "items": {"i0": {}, "i1": {}}, "pass_at_k": {"pass@1": {"value": 0.5}}}))
    app, asked = FastAPI(), []
    answers = iter(["0.9", "0.5", "no idea"])

    @app.post("/v1/chat/completions")
    async def completions(body: dict):
        parts = body["messages"][-1]["content"]
        assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
        asked.append(parts[0]["text"])
        return {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": next(answers)}}]}

    with LiveServer(app) as url:
        argv = ["--results", str(results), "--base-url", url, "--judge-model", "vision", "--quiet"]
        assert judge.main(argv) == 0
        assert len(asked) == 3 and any("draw 1" in a for a in asked)
        res = json.loads(results.read_text())
        j = res["judge"]
        assert j["samples"] == 4 and j["with_picture"] == 3 and j["unreadable"] == 1
        assert j["mean_with_picture"] == pytest.approx(0.7) and j["mean_all"] == pytest.approx(0.35)
        assert j["families"]["edit"]["with_picture"] == 1 and res["pass_at_k"]["pass@1"]["value"] == 0.5
        assert judge.main(argv) == 0 and len(asked) == 3   # resumed: nothing asked again
