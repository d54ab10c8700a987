"""scripts/demo.py: which domains have a demo, and what it runs."""
from __future__ import annotations

import json
from pathlib import Path

import domains

ROOT = Path(__file__).resolve().parent.parent


def test_luanti_and_mcp_have_demo_configs_that_exist_and_name_their_domain():
    import scripts.demo as demo
    from training import config

    for name in ("luanti", "mcp_tools"):
        cfg, limit = demo.demo_settings(name)
        assert (ROOT / cfg).exists() and limit == ["--limit", str(domains.get(name).demo_limit)]
        assert config.load_yaml(ROOT / cfg)["domain"] == name
        cmds = dict(demo.gate_commands("py", Path("o"), Path("r"), name))
        assert cmds["C"][-3:] == [cfg, "--output", "r"] and cmds["B"][cmds["B"].index("--domain") + 1] == name


def test_a_domain_without_a_demo_is_a_clear_error(capsys):
    import scripts.demo as demo

    without = [n for n in domains.names() if not domains.get(n).demo_config]
    assert without, "every domain has a demo now: pick another check"
    assert demo.main(["--domain", without[0]]) == 2
    err = capsys.readouterr().err
    assert "has no demo" in err and "luanti" in err and "mcp_tools" in err


def test_demo_summary_shows_styles_and_the_robustness_gap(tmp_path):
    """DEMO.md reads every figure from the gates' files, the phrasing-robustness line included."""
    from scripts.demo import summary

    def block(v):
        return {f"pass@{k}": {"value": v, "ci95": [v, v], "items": 2} for k in (1, 5)}

    def results(v):
        return {"pass_at_k": block(v), "families": {"scaffold": {"pass_at_k": block(v)}},
                "styles": {"spec": {"pass_at_k": block(v)}, "chatty": {"pass_at_k": block(v / 2)}},
                "throughput": {"generate_seconds": 3.0, "tokens_per_s": 10.0},
                "generation": {"precision": "fp32", "n": 5}, "run": {"git_commit": "abc"}}
    (tmp_path / "baseline").mkdir()
    (tmp_path / "gate_d").mkdir()
    (tmp_path / "baseline" / "results.json").write_text(json.dumps(results(0.0)))
    (tmp_path / "tuned.json").write_text(json.dumps(results(0.5)))
    (tmp_path / "gate_d" / "summary.json").write_text(json.dumps(
        {"combinations": [{"results": str(tmp_path / "tuned.json")}]}))
    robust = {"held_out_styles": ["chatty"], "trained_styles": ["spec"], "held_out": {"items": 2, "mean": 0.25},
              "trained": {"items": 2, "mean": 0.5}, "gap_pp": -25.0, "ci95_pp": [-50.0, 0.0]}
    (tmp_path / "decision.json").write_text(json.dumps({
        "decision": "PROCEED", "metric": "pass@5", "baseline": {"value": 0.0}, "gain_pp": 50.0,
        "ci95_pp": [50.0, 50.0], "threshold_pp": 15.0, "combinations_compared": 1,
        "best": {"results": str(tmp_path / "tuned.json"), "value": 0.5, "checkpoint": "checkpoint-4", "scale": 1.0},
        "styles": {"chatty": {"in_training": False, "items": 2, "delta_pp": 25.0, "ci95_pp": [0.0, 50.0]},
                   "spec": {"in_training": True, "items": 2, "delta_pp": 50.0, "ci95_pp": [50.0, 50.0]}},
        "robustness": robust}))
    md = summary(tmp_path, {"B": 4.0, "C": 5.0}, "make demo", "toy")
    assert "| chatty | no (held out) | 2 |" in md
    assert "Phrasing robustness" in md and "**-25.0 pp**, 95% interval [-50.0, +0.0]" in md
