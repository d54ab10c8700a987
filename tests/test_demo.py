"""scripts/demo.py: which domains have a demo, and what it runs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

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
        assert cmds["C"][-3:] == [cfg, "--out", "r"] and cmds["B"][cmds["B"].index("--domain") + 1] == name


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
    assert "Held out" not in md and "Plain requests" not in md
    # the held-out check (make demo DEMO=..., or --holdout): its own section, read from <out>/holdout/
    h = tmp_path / "holdout"
    h.mkdir()
    (h / "base.json").write_text(json.dumps(results(0.1)))
    (h / "tuned.json").write_text(json.dumps(results(0.7)))
    (h / "decision.json").write_text(json.dumps({
        "decision": "PROCEED", "metric": "pass@5", "items": 3, "gain_pp": 60.0, "ci95_pp": [20.0, 90.0],
        "baseline": {"results": str(h / "base.json"), "value": 0.1},
        "best": {"results": str(h / "tuned.json"), "value": 0.7, "checkpoint": "checkpoint-4", "scale": 1.0},
        "robustness": robust, "plain_requests": {
            "style": "forum", "items": 4, "baseline": 0.0, "best": 0.25, "delta_pp": 25.0, "ci95_pp": [0.0, 50.0],
            "in_training": False, "gap_vs_trained": {"gap_pp": -40.0, "ci95_pp": [-70.0, -10.0],
                                                     "trained": {"items": 6, "mean": 0.65}}}}))
    md = summary(tmp_path, {"B": 4.0, "C": 5.0, "B-holdout": 2.0}, "make demo DEMO=long", "toy")
    assert "Plain requests (forum): 4 items, pass@5 0.0% -> 25.0%, gain +25.0 pp" in md
    assert "the gap is **-40.0 pp**, 95% interval [-70.0, -10.0]" in md
    assert "## Held out: the 3 eval items the demo did not score" in md
    assert "| checkpoint-4 x 1.0 | 70.0% [70.0, 70.0] | 70.0% [70.0, 70.0] |" in md
    assert "| baseline | 10.0% [10.0, 10.0] |" in md and "gain +60.0 pp" in md and "[+20.0, +90.0]" in md
    assert "| B-holdout | 2 | |" in md and "`make demo DEMO=long`" in md


@pytest.mark.parametrize("name", ["luanti", "mcp_tools"])
def test_a_demo_profile_swaps_only_the_training_config_and_its_folders(name, tmp_path, capsys):
    """`make demo [DOMAIN=...] DEMO=long`: the profile's yaml in gate C, the demo's items and settings
    elsewhere (test_train_config validates every yaml, these included); an unknown profile is a clear error
    naming the ones there are."""
    import scripts.demo as demo
    from training import config

    dom = domains.get(name)
    assert "long" in dom.demo_profiles, f"{name} ships a longer demo profile"
    for prof, cfg in dom.demo_profiles.items():
        assert (ROOT / cfg).exists() and config.load_yaml(ROOT / cfg)["domain"] == name
        data = config.load_yaml(ROOT / cfg).get("train_data")
        assert not data or (ROOT / data).is_file(), f"{cfg} trains on {data}: shipped with the repo"
        long, short = (dict(demo.gate_commands("py", Path("o"), Path("r"), name, p)) for p in (prof, ""))
        assert long["C"][-3:] == [cfg, "--out", "r"] and short["C"][-3] == dom.demo_config
        assert {g: c for g, c in long.items() if g not in "CD"} == {g: c for g, c in short.items() if g not in "CD"}
        # the default demo scores its last checkpoint at 1.0 only; a profile sweeps its checkpoints
        sweep = {k: c[c.index("--sweep") + 1] for k, c in (("long", long["D"]), ("short", short["D"]))}
        assert sweep == {"long": "best", "short": "last"}
        assert short["D"][short["D"].index("--scales") + 1:short["D"].index("--sweep")] == ["1.0"]
    assert demo.main(["--domain", name, "--profile", "nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no demo profile 'nope'" in err and all(p in err for p in dom.demo_profiles)


def test_the_holdout_check_scores_the_complement_of_the_demo_items_on_the_picked_checkpoint_only():
    import scripts.demo as demo

    cmds = dict(demo.holdout_commands("py", Path("o"), Path("r"), "luanti", "checkpoint-7", 0.5))
    limit = str(domains.get("luanti").demo_limit)
    for gate in ("B-holdout", "D-holdout"):
        c = cmds[gate]
        assert c[c.index("--holdout") + 1] == limit and "--limit" not in c
        assert c[c.index("--out") + 1].startswith(str(Path("o") / "holdout"))
    d = cmds["D-holdout"]
    assert d[d.index("--run") + 1] == str(Path("r") / "checkpoint-7") and d[d.index("--scales") + 1:][:2] == ["0.5", "--baseline"]
    assert cmds["E-holdout"][cmds["E-holdout"].index("--gate-d") + 1] == str(Path("o") / "holdout" / "gate_d" / "summary.json")


def test_a_checkpoint_folder_is_a_run_of_that_one_checkpoint(tmp_path):
    from core.errors import UserError
    from eval.checkpoints import list_checkpoints

    run = tmp_path / "run"
    for step in (10, 2):
        (run / f"checkpoint-{step}").mkdir(parents=True)
    assert [p.name for p in list_checkpoints(run)] == ["checkpoint-2", "checkpoint-10"]
    assert list_checkpoints(run / "checkpoint-10") == [run / "checkpoint-10"]
    (tmp_path / "empty").mkdir()
    import pytest

    with pytest.raises(UserError, match="no checkpoint"):
        list_checkpoints(tmp_path / "empty")


def test_timings_add_up_the_runs_of_a_gate_so_a_rerun_does_not_replace_them(tmp_path, monkeypatch):
    """A second `make demo` after a finished one only checks that every gate is done: its seconds are
    added to the first run's, not written over them."""
    import sys

    import scripts.demo as demo

    slow = [sys.executable, "-c", "import time; time.sleep(0.3)"]
    monkeypatch.setattr(demo, "gate_commands", lambda *a, **k: [("A", slow), ("B", slow)])
    monkeypatch.setattr(demo, "summary", lambda *a, **k: "summary\n")
    monkeypatch.setattr(demo, "report_command", lambda *a, **k: [sys.executable, "-c", "pass"])
    args = ["--domain", "luanti", "--out", str(tmp_path / "o"), "--run-dir", str(tmp_path / "r"), "--no-holdout"]
    assert demo.main(args) == 0
    first = json.loads((tmp_path / "o" / "timings.json").read_text())
    assert demo.main(args) == 0
    second = json.loads((tmp_path / "o" / "timings.json").read_text())
    assert set(second) == {"A", "B"} and all(second[g] >= first[g] + 0.25 for g in second)
