"""make report: collects what the gates wrote, says what is missing, links the heatmap from where it writes."""
from __future__ import annotations

import json
import os


def test_report_collects_gate_outputs_and_names_missing_ones(tmp_path, monkeypatch):
    import scripts.report as r
    from eval import cli

    run_out = tmp_path / "results" / "toy" / "run1"
    (run_out / "gate_d").mkdir(parents=True)
    (run_out / "gate_d" / "summary.md").write_text("# Gate D: grid\n")
    (run_out / "gate_d" / "heatmap.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    pk = {"pass@1": {"value": 0.25, "ci95": [0.0, 0.5]}, "pass@5": {"value": 0.5, "ci95": [0.1, 0.9]}}
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"data": {"items": 4}, "generation": {"sampling": {"n": 5}}, "pass_at_k": pk,
                                "families": {"animals": {"pass_at_k": pk}}}))
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "run_results_dir", lambda domain, run: run_out)
    out = tmp_path / "elsewhere" / "REPORT.md"
    assert r.main(["--domain", "toy", "--run", "run1", "--baseline", str(base), "--out", str(out)]) == 0
    text = out.read_text()
    assert "## Gate A: no stamp" in text and "Gate E: missing" in text
    assert "pass@1 25.0% [0.0, 50.0], pass@5 50.0% [10.0, 90.0]" in text
    assert "| animals | 25.0% [0.0, 50.0] | 50.0% [10.0, 90.0] |" in text and "# Gate D: grid" in text
    link = text.split("![pass@k heatmap](")[1].split(")")[0]
    assert os.path.isfile(out.parent / link)


def test_report_draws_loss_passk_and_family_pictures(tmp_path, monkeypatch):
    import scripts.report as r
    from eval import cli

    run_out, run_dir = tmp_path / "results" / "toy" / "run1", tmp_path / "adapters" / "toy" / "run1"
    run_out.mkdir(parents=True)
    run_dir.mkdir(parents=True)
    (run_dir / "log.jsonl").write_text("".join(json.dumps({"step": s, "loss": 2.0 / s, "learning_rate": 1e-3})
                                               + "\n" for s in (1, 5, 10)))
    pk = lambda v: {f"pass@{k}": {"value": v * k / 5, "ci95": [0.0, min(1.0, v * k / 2.5)]} for k in range(1, 6)}  # noqa: E731
    base, best = tmp_path / "base.json", tmp_path / "best.json"
    base.write_text(json.dumps({"data": {"items": 4}, "generation": {"sampling": {"n": 5}}, "pass_at_k": pk(0.1),
                                "families": {"a": {"pass_at_k": pk(0.1)}, "b": {"pass_at_k": pk(0.0)}},
                                "styles": {"terse": {"pass_at_k": pk(0.0)}, "chatty": {"pass_at_k": pk(0.1)}}}))
    best.write_text(json.dumps({"pass_at_k": pk(0.5), "families": {"a": {"pass_at_k": pk(0.6)}},
                                "styles": {"terse": {"pass_at_k": pk(0.4)}}}))
    (run_out / "decision.json").write_text(json.dumps({"metric": "pass@5", "best": {
        "checkpoint": "checkpoint-10", "scale": 1.0, "results": str(best)},
        "styles": {"terse": {"in_training": True}, "chatty": {"in_training": False}},
        "plain_requests": {"style": "forum", "items": 3, "baseline": 0.0, "best": 1 / 3, "delta_pp": 33.3,
                           "ci95_pp": [0.0, 100.0], "in_training": False, "gap_vs_trained": None}}))
    (run_out / "decision.md").write_text("# Gate E decision: **PROCEED**\n")
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "run_results_dir", lambda domain, run: run_out)
    monkeypatch.setattr(cli, "run_dir", lambda domain, run: run_dir)
    out = tmp_path / "report" / "REPORT.md"
    assert r.main(["--domain", "toy", "--run", "run1", "--baseline", str(base), "--out", str(out)]) == 0
    text = out.read_text()
    for name in ("loss.png", "passk.png", "families.png", "styles.png"):
        assert f"]({name})" in text
        assert (out.parent / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # gate E's plain-request line under the phrasing picture; no robustness line when gate E gave none
    assert "Plain requests (forum): 3 items, pass@5 0.0% -> 33.3%" in text and "Phrasing robustness" not in text
    # without a training log or a decision, the pictures are left out, not drawn empty
    (run_dir / "log.jsonl").unlink()
    (run_out / "decision.json").unlink()
    assert r.main(["--domain", "toy", "--run", "run1", "--baseline", str(base), "--out", str(out)]) == 0
    assert "## Pictures" not in out.read_text()


def test_gallery_shows_reference_and_best_tuned_picture_per_item(tmp_path, monkeypatch):
    """A domain that keeps pictures gets reference-vs-tuned panels; the reference is rendered (by
    validating it) when its picture is missing; a tuned sample that drew nothing shows a grey panel."""
    import domains
    import scripts.report as report
    from domains.base import Domain, Result
    from eval import plots

    drawn = {}

    def png(name):
        p = tmp_path / f"{name}.png"
        plots.heatmap([[0.5]], ["r"], [1.0], name, p)
        return p

    class Pictures(Domain):
        name = "pics"

        def load(self, path):
            return [{"id": f"i{k}", "family": "scene", "output": f"ref{k}"} for k in range(3)]

        def reference(self, item):
            return item["output"]

        def validate(self, item, completion):
            drawn[completion] = png(completion)
            return Result("ok", "")

        def picture(self, item, completion):
            return drawn.get(completion)

    monkeypatch.setattr(domains, "get", lambda name: Pictures())
    drawn["good1"] = png("good1")
    scores = tmp_path / "scores.jsonl"
    gens = tmp_path / "generations.jsonl"
    recs = [("i0", 0, "bad0", "runtime_error", {"runs": False}), ("i1", 0, "bad1", "wrong_answer", {"runs": True}),
            ("i1", 1, "good1", "ok", {"runs": True, "meets": True}), ("i2", 0, "bad2", "syntax_error", {})]
    scores.write_text("".join(json.dumps({"id": i, "sample": s, "status": st, "levels": lv}) + "\n"
                              for i, s, _, st, lv in recs))
    gens.write_text("".join(json.dumps({"id": i, "sample": s, "completion": c}) + "\n" for i, s, c, _, _ in recs))
    tuned = {"domain": {"name": "pics"}, "data": {"path": "x"}, "files": {"scores": str(scores), "generations": str(gens)}}
    lines = report.gallery(tuned, "ckpt x1", tmp_path, n=2)
    assert "![reference vs tuned](gallery.png)" in lines
    assert (tmp_path / "gallery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {"ref1", "ref0"} <= set(drawn)          # references rendered on demand, best items first
    assert report.gallery({**tuned, "files": {}}, "x", tmp_path) == []
