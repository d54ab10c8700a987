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
