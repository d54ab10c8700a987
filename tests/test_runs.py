"""eval/runs.py: the run, adapter and baseline a command takes when none is named (after `make demo`,
`make serve` / `export` / `report` / `gate-e` without RUN= or ADAPTER=), through the scripts' own parsers."""
from __future__ import annotations

import json
import os

import pytest

from core.errors import UserError
from core.meta import ROOT
from eval import cli, runs



def checkpoint(root, run, step, when):
    d = root / "adapters" / "toy" / run / f"checkpoint-{step}"
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text("{}")
    w = d / "adapter_model.safetensors"
    w.write_bytes(b"x")
    os.utime(w, (when, when))
    return d


def decision(root, run, ckpt, scale, **extra):
    d = root / "results" / "toy" / run
    d.mkdir(parents=True, exist_ok=True)
    (d / "decision.json").write_text(json.dumps({"best": {"checkpoint": ckpt, "scale": scale}, **extra}))
    return d / "decision.json"


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "ROOT", tmp_path)
    checkpoint(tmp_path, "old", 10, 1_000)
    checkpoint(tmp_path, "demo", 48, 2_000)
    checkpoint(tmp_path, "demo", 192, 3_000)
    (tmp_path / "adapters" / "toy" / "empty" / "checkpoint-5").mkdir(parents=True)  # killed before saving
    return tmp_path


def test_newest_run_is_the_one_whose_weights_were_written_last(root):
    assert runs.newest_run("toy").name == "demo"
    os.utime(root / "adapters/toy/old/checkpoint-10/adapter_model.safetensors", (9_000, 9_000))
    assert runs.newest_run("toy").name == "old"
    assert runs.newest_run("nothing") is None


def test_resolve_run_prints_its_pick_and_a_named_run_wins(root):
    said = []
    assert runs.resolve_run("toy", None, log=said.append) == "demo" and "demo" in said[0] and "RUN=" in said[0]
    assert runs.resolve_run("toy", "old", log=said.append) == "old" and len(said) == 1
    with pytest.raises(UserError, match="no training run"):
        runs.resolve_run("nothing", None)


def test_auto_adapter_is_gate_e_pick_then_newest_checkpoint(root):
    said = []
    ad, scale = runs.resolve_adapter("toy", "auto", None, log=said.append)
    assert (ad, scale) == (str(root / "adapters/toy/demo/checkpoint-192"), 1.0) and "newest checkpoint" in said[-1]
    decision(root, "demo", "checkpoint-48", 0.5)
    ad, scale = runs.resolve_adapter("toy", "auto", None, log=said.append)
    assert (ad, scale) == (str(root / "adapters/toy/demo/checkpoint-48"), 0.5) and "gate E" in said[-1]
    assert runs.resolve_adapter("toy", "auto", 2.0, log=said.append)[1] == 2.0  # SCALE= wins
    ad, _ = runs.resolve_adapter("toy", "auto", None, run="old", log=said.append)
    assert ad == str(root / "adapters/toy/old/checkpoint-10")
    (root / "adapters/toy/old/checkpoint-20").mkdir()  # being saved: no weights yet, not picked
    assert runs.resolve_adapter("toy", "auto", None, run="old", log=said.append)[0] == ad
    with pytest.raises(UserError, match="no checkpoint with adapter weights"):
        runs.resolve_adapter("toy", "auto", None, run="empty", log=said.append)


def test_explicit_or_no_adapter(root):
    assert runs.resolve_adapter("toy", "none", None) == (None, 1.0)
    assert runs.resolve_adapter("toy", None, 0.25) == (None, 0.25)
    assert runs.resolve_adapter("toy", "some/ck", None) == ("some/ck", 1.0)
    said = []
    assert runs.resolve_adapter("nothing", "auto", None, log=said.append) == (None, 1.0)
    assert "base model alone" in said[0]


def test_baseline_is_gate_e_one_then_the_run_own_then_the_model(root):
    default = root / "results/toy/embedded/baseline/results.json"
    assert runs.resolve_baseline("toy", "demo", default) == default
    own = root / "results/toy/demo/baseline/results.json"
    own.parent.mkdir(parents=True)
    own.write_text("{}")
    assert runs.resolve_baseline("toy", "demo", default, log=lambda m: None) == own
    other = root / "elsewhere.json"
    other.write_text("{}")
    decision(root, "demo", "checkpoint-48", 1.0, baseline={"results": str(other)})
    assert runs.resolve_baseline("toy", "demo", default, log=lambda m: None) == other
    decision(root, "demo", "checkpoint-48", 1.0, baseline={"results": str(other)}, against="sft")
    assert runs.resolve_baseline("toy", "demo", default, log=lambda m: None) == own


@pytest.mark.parametrize("script", ["serve", "chat", "export"])
def test_scripts_resolve_the_automatic_adapter(root, script, monkeypatch, capsys):
    import importlib.util

    monkeypatch.setattr(cli, "get_domain", lambda name: type("D", (), {"name": name})())
    decision(root, "demo", "checkpoint-48", 0.5)
    spec = importlib.util.spec_from_file_location(f"wb_runs_{script}", ROOT / "scripts" / f"{script}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # by path: `serve` is also a package name
    parser = mod.make_parser()
    args, scale, _ = cli.parse_model_adapter(parser, ["--domain", "toy", "--adapter", "auto"])
    assert (args.adapter, scale) == (str(root / "adapters/toy/demo/checkpoint-48"), 0.5)
    assert "checkpoint-48 at scale 0.5" in capsys.readouterr().err
    args, scale, _ = cli.parse_model_adapter(parser, ["--domain", "toy"])
    assert (args.adapter, scale) == (None, 1.0)
